using BenchmarkDotNet.Running;
using ImageKit.Benchmarks;

if (args is ["players", ..])
{
    PlayerLoad.Run(Console.Out, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
