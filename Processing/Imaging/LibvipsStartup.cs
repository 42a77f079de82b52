namespace FileOptimizer.Processing.Imaging;

/// <summary>At start, before recovery and the workers: libvips configured, its temporary files on the storage volume.</summary>
public sealed class LibvipsStartup(string temporaryFolder) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Libvips.Configure();
        Libvips.UseTemporaryFolder(temporaryFolder);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
