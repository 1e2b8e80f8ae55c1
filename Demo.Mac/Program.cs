using AppKit;
using Demo.Mac;

NSApplication.Init();
var application = NSApplication.SharedApplication;
application.ActivationPolicy = NSApplicationActivationPolicy.Regular;
application.Delegate = new AppDelegate();
application.Run();
