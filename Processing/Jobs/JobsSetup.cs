namespace FileOptimizer.Processing.Jobs;

public static class JobsSetup
{
    /// <summary>The job machinery: store, queue, intake, control, recovery at start, workers, retention sweeper.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<MediaProcessors>();
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
