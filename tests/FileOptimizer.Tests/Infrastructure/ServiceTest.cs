namespace FileOptimizer.Tests.Infrastructure;

/// <summary>A test class with its own running service and a client for it, disposed after each test.</summary>
public abstract class ServiceTest : IDisposable
{
    protected ServiceTest(IDictionary<string, string?>? settings = null)
    {
        App = new OptimizerApp(settings);
        Api = App.Api();
    }

    protected OptimizerApp App { get; }

    protected ApiClient Api { get; }

    public void Dispose()
    {
        Api.Dispose();
        App.Dispose();
        GC.SuppressFinalize(this);
    }
}
