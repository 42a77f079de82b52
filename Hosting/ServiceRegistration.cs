using System.Text.Json;
using System.Text.Json.Serialization;
using FileOptimizer.Endpoints;
using FileOptimizer.Processing.Imaging;
using FileOptimizer.Processing.Imaging.Quality;
using FileOptimizer.Processing.Imaging.Svg;
using FileOptimizer.Processing.Jobs;
using FileOptimizer.Processing.Media;

namespace FileOptimizer.Hosting;

public static class ServiceRegistration
{
    /// <summary>Binds every options class and validates it at start: a wrong value stops the service before it listens.</summary>
    public static IServiceCollection AddFileOptimizerOptions(this IServiceCollection services)
    {
        services.AddSettings<UploadOptions>(UploadOptions.Section);
        services.AddSettings<ImageLimits>(ImageLimits.Section);
        services.AddSettings<QualityOptions>(QualityOptions.Section);
        services.AddSettings<HeicOptions>(HeicOptions.Section);
        services.AddSettings<SvgOptions>(SvgOptions.Section);
        services.AddSettings<MediaOptions>(MediaOptions.Section);
        services.AddSettings<StorageOptions>(StorageOptions.Section);
        services.AddSettings<ProcessingOptions>(ProcessingOptions.Section);
        services.AddSettings<EventsOptions>(EventsOptions.Section);
        return services;
    }

    /// <summary>JSON as the API shows it: camelCase properties, kebab-case enum values ("kept-original"), no nulls.</summary>
    public static IServiceCollection AddApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
}
