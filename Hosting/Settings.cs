using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FileOptimizer.Hosting;

/// <summary>
/// Options bound from configuration and validated at start, whose failures name the setting the way an operator sets it
/// ("Security:ApiKey (API_KEY) must be at least 16 characters."). A wrong setting stops the service with that one line on
/// stderr and exit code 1 (<see cref="InvalidConfigurationLine"/>), not with a stack trace.
/// </summary>
public static partial class Settings
{
    /// <summary>Exit code of a service stopped by a wrong setting.</summary>
    public const int InvalidConfigurationExitCode = 1;

    /// <summary>The service is the process (not a library in a test host, which reports start failures itself).</summary>
    private static readonly bool OwnsProcess = Assembly.GetEntryAssembly() == typeof(Settings).Assembly;

    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and validates its data annotations at start.</summary>
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section) where T : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>>(new AnnotationsValidation<T>(section)));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// Validates every setting now, as the host would when it starts, so that a wrong one stops the service before the host
    /// logs it as a failed start with a stack trace.
    /// </summary>
    public static void ValidateSettings(this IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();

    /// <summary>
    /// "FileOptimizer: invalid configuration: ..." for a failed validation or a value that does not convert, when the service
    /// runs as its own process; null otherwise (the exception goes on as it is). The value itself is never repeated: it may be a secret.
    /// </summary>
    public static string? InvalidConfigurationLine(Exception exception)
    {
        IEnumerable<string>? failures = exception switch
        {
            OptionsValidationException invalid => invalid.Failures,
            AggregateException aggregate when aggregate.InnerExceptions.All(inner => inner is OptionsValidationException) =>
                aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(invalid => invalid.Failures),
            InvalidOperationException { Message: var message } when NotConverted().Match(message) is { Success: true } match =>
                [$"{PlanEnvironment.Name(match.Groups["key"].Value)} must be {Expected(match.Groups["type"].Value)}."],
            _ => null,
        };
        return OwnsProcess && failures is not null ? $"FileOptimizer: invalid configuration: {string.Join(" ", failures)}" : null;
    }

    private static string Expected(string type) => type switch
    {
        "System.Boolean" => "true or false",
        "System.Int32" or "System.Int64" => "a whole number",
        "System.Double" => "a number",
        _ => $"a value of type {type}",
    };

    // The binder's message: "Failed to convert configuration value '{value}' at '{key}' to type '{type}'."
    [GeneratedRegex(@"at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex NotConverted();

    /// <summary>
    /// The data annotations of the options (and <see cref="IValidatableObject"/>), each failure as "Section:Key (VARIABLE) must ...":
    /// a message of the framework's ("The field Port must be between 1 and 65535.") loses its "The field Port" opening.
    /// </summary>
    private sealed class AnnotationsValidation<T>(string section) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var results = new List<ValidationResult>();
            if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
            {
                return ValidateOptionsResult.Success;
            }

            return ValidateOptionsResult.Fail(results.Select(result =>
            {
                var member = result.MemberNames.FirstOrDefault() ?? "";
                var message = result.ErrorMessage ?? "is not valid.";
                foreach (var opening in (string[])[$"The field {member} ", $"The {member} field "])
                {
                    if (message.StartsWith(opening, StringComparison.Ordinal))
                    {
                        message = message[opening.Length..];
                    }
                }

                return $"{PlanEnvironment.Name(member.Length > 0 ? $"{section}:{member}" : section)} {message}";
            }));
        }
    }
}
