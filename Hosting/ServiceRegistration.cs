using System.Text.Json;
using System.Text.Json.Serialization;
using FileOptimizer.Processing;

namespace FileOptimizer.Hosting;

public static class ServiceRegistration
{
    /// <summary>Binds every options class and validates it at start: a wrong value stops the service before it listens.</summary>
    public static IServiceCollection AddFileOptimizerOptions(this IServiceCollection services)
    {
        services.AddSettings<StorageOptions>(StorageOptions.Section);
        services.AddSettings<UploadOptions>(UploadOptions.Section);
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

    /// <summary>The job pipeline: store, queue, intake, recovery at start, workers, retention sweeper.</summary>
    public static IServiceCollection AddJobProcessing(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<JobStore>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobIntake>();
        services.AddSingleton<JobControl>();
        services.AddSingleton<JobEvents>();
        services.AddSingleton<JobStatistics>();
        services.AddSingleton<ProcessingEstimator>();
        // Order matters: recovery queues saved jobs before the workers start reading.
        services.AddSingleton<JobRecovery>();
        services.AddHostedService(sp => sp.GetRequiredService<JobRecovery>());
        services.AddSingleton<JobWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        return services;
    }
}
