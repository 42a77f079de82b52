using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using FileOptimizer.Tests.Infrastructure;

namespace FileOptimizer.Tests.Operations;

/// <summary>
/// No Docker engine runs here, so these tests prove what can be proved without one: the Dockerfile's shape, that its own
/// restore and publish commands succeed on the build context .dockerignore leaves, and that the published app starts
/// with the image's environment and passes the image's HEALTHCHECK.
/// </summary>
public sealed partial class ContainerTests
{
    /// <summary>What the ASP.NET Core runtime image sets before our ENV lines.</summary>
    private static readonly Dictionary<string, string?> BaseImageEnvironment = new()
    {
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
        ["APP_UID"] = "1654",
    };

    private static Dockerfile Docker { get; } = Dockerfile.Parse(Path.Combine(ServiceProcess.RepositoryRoot, "Dockerfile"));

    [Fact]
    public void Dockerfile_builds_with_the_sdk_runs_on_the_aspnet_image_as_non_root_with_port_8000_a_storage_volume_and_a_healthcheck()
    {
        var (build, runtime) = (Docker.Stages[0], Docker.Stages[^1]);

        Assert.Equal(2, Docker.Stages.Count);
        Assert.Matches(@"mcr\.microsoft\.com/dotnet/sdk:10\.0\b", build.From);
        Assert.Matches(@"mcr\.microsoft\.com/dotnet/aspnet:10\.0\b", runtime.From);
        Assert.Contains(runtime.Instructions, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build /app/publish", StringComparison.Ordinal));
        var user = Assert.Single(runtime.All("USER")).Arguments;
        Assert.True(user is "$APP_UID" or "app", $"USER {user} is not the base image's non-root user");
        Assert.Equal("8000", Assert.Single(runtime.All("EXPOSE")).Arguments);
        var environment = runtime.Environment();
        Assert.Equal("8000", environment["PORT"]);
        Assert.Equal("", environment["ASPNETCORE_HTTP_PORTS"]);
        Assert.Equal("json", environment["LOG_FORMAT"]); // also when "docker run -t" gives it a terminal
        Assert.Contains($"\"{environment["TEMP_DIR"]}\"", Assert.Single(runtime.All("VOLUME")).Arguments);
        var healthcheck = Assert.Single(runtime.All("HEALTHCHECK")).Arguments;
        Assert.EndsWith("""CMD ["dotnet", "FileOptimizer.dll", "--health-check"]""", healthcheck);
        Assert.Equal("""["dotnet", "FileOptimizer.dll"]""", Assert.Single(runtime.All("ENTRYPOINT")).Arguments);
    }

    [Fact]
    public async Task The_dockerfile_publish_succeeds_and_the_published_app_starts_with_the_image_environment_and_passes_its_healthcheck()
    {
        var work = TestFiles.NewTempDirectory("docker");
        try
        {
            await PublishAndRunAsync(work);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task PublishAndRunAsync(string work)
    {
        var context = Path.Combine(work, "src");
        var publish = Path.Combine(work, "publish");
        CopyBuildContext(ServiceProcess.RepositoryRoot, context, File.ReadAllLines(Path.Combine(ServiceProcess.RepositoryRoot, ".dockerignore")));
        var architecture = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64"; // as BuildKit names TARGETARCH

        foreach (var run in Docker.Stages[0].All("RUN"))
        {
            var command = run.Arguments.Replace("$TARGETARCH", architecture, StringComparison.Ordinal).Replace("/app/publish", publish, StringComparison.Ordinal);
            var (exitCode, output) = await ShellAsync(command, context);
            Assert.True(exitCode == 0, $"RUN {command} failed with {exitCode}:\n{output}");
        }

        Assert.True(File.Exists(Path.Combine(publish, "FileOptimizer.dll")));
        Assert.True(Directory.Exists(Path.Combine(publish, "wwwroot")));
        Assert.False(Directory.Exists(Path.Combine(publish, "runtimes", "win-x64")), "the publish is for one architecture, not every one NetVips ships");

        var environment = new Dictionary<string, string?>(BaseImageEnvironment);
        foreach (var (key, value) in Docker.Stages[^1].Environment())
        {
            environment[key] = value;
        }

        // The image's paths, moved under the test's folder; the port, one that is free here.
        environment["TEMP_DIR"] = Path.Combine(work, "uploads");
        environment["LOG_DIR"] = Path.Combine(work, "logs");
        environment["PORT"] = ServiceProcess.FreePort().ToString();
        var healthcheck = Regex.Match(Assert.Single(Docker.Stages[^1].All("HEALTHCHECK")).Arguments, """CMD \["dotnet", "FileOptimizer\.dll", (?<args>.*)\]$""")
            .Groups["args"].Value.Split(", ").Select(a => a.Trim('"')).ToArray();

        await using (var service = ServiceProcess.Start(publish, environment))
        {
            await service.WaitUntilLiveAsync();
            using var api = service.Api();
            var (healthy, healthyOutput) = await ServiceProcess.RunCommandAsync(publish, environment, healthcheck);
            var id = await api.UploadAsync(TestImages.Photo);
            await api.WaitForCompletionAsync(id);

            Assert.True(healthy == 0, $"The HEALTHCHECK command exited {healthy}: {healthyOutput}");
            Assert.Contains($"http://127.0.0.1:{environment["PORT"]}/api/health/liveness: 200", healthyOutput);
            Assert.Contains(service.Output, line => line.Contains($"Now listening on: \\\"http://[::]:{environment["PORT"]}\\\"", StringComparison.Ordinal));
            Assert.True(Directory.Exists(Path.Combine(work, "uploads", "jobs", id)));
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(work, "logs"), "app-*.log"));
        }

        var (unhealthy, unhealthyOutput) = await ServiceProcess.RunCommandAsync(publish, environment, healthcheck);
        Assert.True(unhealthy == 1, $"With nothing listening the HEALTHCHECK command exited {unhealthy}: {unhealthyOutput}");
    }

    [Fact]
    public void Compose_file_runs_the_service_and_redis_with_a_named_volume_and_the_plan_variables()
    {
        var compose = File.ReadAllText(Path.Combine(ServiceProcess.RepositoryRoot, "docker-compose.yml"));

        Assert.Matches(@"(?m)^  fileoptimizer:\n    build: \.", compose);
        Assert.Matches(@"(?m)^  redis:\n    image: redis:", compose);
        Assert.Matches(@"(?m)^      - uploads:/app/uploads$", compose);
        Assert.Matches(@"(?m)^volumes:\n  uploads:", compose);
        Assert.Contains("REDIS_URL: redis://redis:6379", compose);
        foreach (var variable in new[]
        {
            "PORT", "UPLOAD_MAX_SIZE", "TEMP_DIR", "FILE_RETENTION", "RATE_LIMIT", "UPLOAD_RATE_LIMIT", "STATUS_RATE_LIMIT", "DOWNLOAD_RATE_LIMIT",
            "PROCESS_RATE_LIMIT", "SKIP_RATE_LIMIT", "CORS_ORIGIN", "AUTH_ENABLED", "API_KEY", "REDIS_URL", "LOG_LEVEL",
        })
        {
            Assert.Matches($"(?m)^      {variable}: ", compose);
        }
    }

    [Fact]
    public async Task The_compose_environment_starts_the_service_and_its_redis_check_answers()
    {
        var compose = File.ReadAllLines(Path.Combine(ServiceProcess.RepositoryRoot, "docker-compose.yml"));
        var environment = ComposeEnvironment(compose, "fileoptimizer");
        await using var redis = await RedisServer.StartAsync();
        var work = TestFiles.NewTempDirectory("compose");
        Assert.Equal("redis://redis:6379", environment["REDIS_URL"]);
        // The compose network's names and paths, as they are on this machine.
        environment["REDIS_URL"] = $"redis://127.0.0.1:{redis.Port}";
        environment["TEMP_DIR"] = Path.Combine(work, "uploads");
        environment["LOG_DIR"] = Path.Combine(work, "logs");
        environment["PORT"] = ServiceProcess.FreePort().ToString();

        await using var service = ServiceProcess.Start(ServiceProcess.BuiltApp, environment);
        await service.WaitUntilLiveAsync();
        using var api = service.Api();
        var health = await HealthTests.HealthAsync(api, "/api/health/detailed", HttpStatusCode.OK, "ok");

        Assert.True(HealthTests.Check(health, "redis")["configured"]!.GetValue<bool>());
        Assert.Equal("Development", HealthTests.Check(health, "server").Str("environment"));
        Assert.Contains(service.Output, line => line.Contains(" INF] Microsoft.Hosting.Lifetime: Now listening on", StringComparison.Ordinal)); // text logs
    }

    /// <summary>The environment block of one service in docker-compose.yml (KEY: value lines; quotes and comments removed).</summary>
    private static Dictionary<string, string?> ComposeEnvironment(string[] compose, string service)
    {
        var start = Array.IndexOf(compose, "  " + service + ":");
        var block = Array.FindIndex(compose, start, line => line == "    environment:");
        Assert.True(start >= 0 && block > start, $"No environment block for {service} in docker-compose.yml");
        var environment = new Dictionary<string, string?>();
        foreach (var line in compose.Skip(block + 1).TakeWhile(line => line.StartsWith("      ", StringComparison.Ordinal)))
        {
            var match = Regex.Match(line, """^\s+(?<key>[A-Z_]+): (?<value>"[^"]*"|[^#\s]*)""");
            Assert.True(match.Success, $"Not a KEY: value line: {line}");
            environment[match.Groups["key"].Value] = match.Groups["value"].Value.Trim('"');
        }

        return environment;
    }

    /// <summary>Copies what "COPY . ." would see: everything but what .dockerignore names (its simple forms: name, name/, **/name/, *.ext).</summary>
    private static void CopyBuildContext(string from, string to, string[] ignore)
    {
        var patterns = ignore.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(p => (AnyDepth: p.StartsWith("**/", StringComparison.Ordinal), Glob: new Regex("^" + Regex.Escape(p.Replace("**/", "").TrimEnd('/')).Replace(@"\*", "[^/]*") + "$")))
            .ToArray();
        bool Ignored(string relative)
        {
            var parts = relative.Split(Path.DirectorySeparatorChar);
            return patterns.Any(p => p.AnyDepth ? parts.Any(p.Glob.IsMatch) : p.Glob.IsMatch(parts[0]) || p.Glob.IsMatch(relative));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (!Ignored(relative))
            {
                var target = Path.Combine(to, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> ShellAsync(string command, string directory)
    {
        var start = new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await output + await error);
    }
}

/// <summary>The instructions of a Dockerfile, stage by stage, with continuation lines joined and comments dropped.</summary>
public sealed record Dockerfile(IReadOnlyList<Dockerfile.Stage> Stages)
{
    public sealed record Instruction(string Keyword, string Arguments);

    public sealed record Stage(string From, IReadOnlyList<Instruction> Instructions)
    {
        public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

        /// <summary>The ENV lines' KEY=value pairs (values without spaces or quotes, as ours are).</summary>
        public Dictionary<string, string> Environment() => All("ENV")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
    }

    public static Dockerfile Parse(string path)
    {
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1].Trim() + " ";
                continue;
            }

            logical.Add((current + line).Trim());
            current = "";
        }

        var stages = new List<Stage>();
        foreach (var line in logical.Where(l => l.Length > 0))
        {
            var split = line.Split(' ', 2);
            var instruction = new Instruction(split[0].ToUpperInvariant(), split.Length > 1 ? split[1].Trim() : "");
            if (instruction.Keyword == "FROM")
            {
                stages.Add(new Stage(instruction.Arguments, new List<Instruction>()));
            }
            else
            {
                ((List<Instruction>)stages[^1].Instructions).Add(instruction);
            }
        }

        return new Dockerfile(stages);
    }
}
