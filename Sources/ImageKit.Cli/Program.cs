using ImageKit.Cli;
using ImageKit.Cli.Output;

return await CliApp.RunAsync(args, StandardDescriptors.OutputWriter(), StandardDescriptors.ErrorWriter()).ConfigureAwait(false);
