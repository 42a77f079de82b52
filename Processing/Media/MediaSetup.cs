namespace FileOptimizer.Processing.Media;

public static class MediaSetup
{
    /// <summary>The video and audio pipeline behind the media seam, after the image one: a file libvips recognises never reaches ffprobe.</summary>
    public static IServiceCollection AddMedia(this IServiceCollection services)
    {
        services.AddSingleton<Ffmpeg>();
        services.AddHostedService(sp => sp.GetRequiredService<Ffmpeg>()); // found at start; stopped after the workers: kills an encode left running
        services.AddSingleton<IMediaProcessor, MediaProcessor>();
        return services;
    }
}
