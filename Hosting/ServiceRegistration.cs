using System.Text.Json;
using System.Text.Json.Serialization;
using FileOptimizer.Endpoints;

namespace FileOptimizer.Hosting;

public static class ServiceRegistration
{
    /// <summary>Binds every options class and validates it at start: a wrong value stops the service before it listens.</summary>
    public static IServiceCollection AddFileOptimizerOptions(this IServiceCollection services)
    {
        services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<EventsOptions>().BindConfiguration(EventsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
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
