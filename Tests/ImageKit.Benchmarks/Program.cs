using BenchmarkDotNet.Running;
using ImageKit.Benchmarks;

if (args is ["players", ..])
{
    PlayerLoad.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10);
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

if (args is ["store-profile", ..])
{
    await StoreProfile.RunAsync(Console.Out);
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
