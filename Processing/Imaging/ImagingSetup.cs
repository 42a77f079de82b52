using FileOptimizer.Processing.Imaging.Svg;

namespace FileOptimizer.Processing.Imaging;

public static class ImagingSetup
{
    /// <summary>
    /// The image pipeline behind the media seam, with libvips configured at start. Registered before the job machinery,
    /// so libvips is ready before recovery queues saved jobs.
    /// </summary>
    public static IServiceCollection AddImaging(this IServiceCollection services, Func<IServiceProvider, string> temporaryFolder)
    {
        services.AddHostedService(sp => new LibvipsStartup(temporaryFolder(sp)));
        services.AddSingleton<HeicDecoder>();
        services.AddHostedService(sp => sp.GetRequiredService<HeicDecoder>()); // stopped after the workers: kills a decoder left running
        services.AddSingleton<SvgoTool>();
        services.AddHostedService(sp => sp.GetRequiredService<SvgoTool>()); // found at start
        services.AddSingleton<SvgOptimizer>();
        services.AddSingleton<IMediaProcessor, ImageProcessor>();
        return services;
    }
}
