using BenchmarkDotNet.Running;
using ImageKit.Benchmarks;

// The pipeline modes time a few seconds of work in one process. With default tiering that is not steady state: code that
// is not precompiled (all of ImageKit, none of HttpClient's) stays in unoptimised tier-0 code for most of those seconds,
// because each round runs some method for the first time and so keeps postponing call counting; and precompiled framework
// code is re-jitted with profile data all along (~100 ms of JIT per 1,000 loads). Both sides therefore run with tiering
// off: every method optimised from its first call, precompiled code used as it is, and no JIT after the warm-up.
if (args is [var pipelineMode, ..] && pipelineMode.StartsWith("pipeline", StringComparison.Ordinal)
    && Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is null)
{
    Environment.Exit(SelfProcess.RunAgain(args, ("DOTNET_TieredCompilation", "0")));
}

if (args is ["first-load", ..])
{
    Environment.Exit(FirstLoad.RunAll(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7));
}

if (args is ["first-load-once", var firstVariant, var hitFolder])
{
    Environment.Exit(await FirstLoad.RunOnceAsync(Console.Out, firstVariant, hitFolder));
}

if (args is ["memory-cache-interleaved", ..])
{
    MemoryCacheInterleaved.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 41);
    return;
}

if (args is ["decode-keep", ..])
{
    DecodeKeep.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

if (args is ["decode-compare", ..])
{
    DecodeCompare.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

if (args is ["players", ..])
{
    PlayerLoad.Run(Console.Out, args.Length > 1 && int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : 10, args.Contains("--one-image"));
    return;
}

if (args is ["disk-cache", ..])
{
    await DiskCacheLoad.RunAsync(
        Console.Out,
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 1024);
    return;
}

if (args is ["http-versions-server"])
{
    await HttpVersions.ServeAsync(Console.Out);
    return;
}

if (args is ["http-versions", ..])
{
    await HttpVersions.RunAsync(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

if (args is ["pipeline-breakdown", ..])
{
    await PipelineLoad.BreakdownAsync(Console.Out);
    return;
}

if (args is ["create-test", var dirArg])
{
    await StoreProfile.CreateTestAsync(Console.Out, dirArg);
    return;
}

if (args is ["store-batch", ..])
{
    await StoreProfile.BatchAsync(Console.Out);
    return;
}

if (args is ["store-profile", ..])
{
    await StoreProfile.RunAsync(Console.Out);
    return;
}

if (args is ["pipeline-server"])
{
    await PipelineServer.ServeAsync();
    return;
}

if (args is ["pipeline-profile", var profileVariant, ..])
{
    await PipelineLoad.ProfileAsync(Console.Out, profileVariant, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}

if (args is ["pipeline-latency", ..])
{
    await PipelineLoad.LatencyAsync(
        Console.Out,
        args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
    return;
}

if (args is ["pipeline-exp", ..])
{
    await PipelineLoad.ExperimentAsync(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 3);
    return;
}

if (args is ["pipeline", ..])
{
    await PipelineLoad.RunAsync(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
