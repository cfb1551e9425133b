using Microsoft.Extensions.Logging;

namespace Plumtree.Agent;

/// <summary>Log messages of the agent (event ids 2000-2099).</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "HTTP admin listening on {Scheme}://{EndPoint}")]
    public static partial void AdminListening(ILogger logger, string scheme, string endPoint);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Handler queue full ({Capacity}): delivery {MessageId} not handed to the handler ({Dropped} dropped so far)")]
    public static partial void HandlerQueueFull(ILogger logger, int capacity, string messageId, long dropped);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Handler for {MessageId} exited with code {ExitCode}: {Stderr}")]
    public static partial void HandlerFailed(ILogger logger, string messageId, int exitCode, string stderr);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Handler for {MessageId} ran longer than {Timeout} and was killed")]
    public static partial void HandlerTimedOut(ILogger logger, string messageId, TimeSpan timeout);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Error, Message = "Handler for {MessageId} could not be started")]
    public static partial void HandlerStartFailed(ILogger logger, string messageId, Exception exception);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "Handler for {MessageId} done: {Stdout}")]
    public static partial void HandlerDone(ILogger logger, string messageId, string stdout);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Handler: '{Command}' runs for every delivery (timeout {Timeout}, queue {Capacity})")]
    public static partial void HandlerConfigured(ILogger logger, string command, TimeSpan timeout, int capacity);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "Data directory {DataDir} is not usable ({Reason}); continuing without it")]
    public static partial void DataDirUnusable(ILogger logger, string dataDir, string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "Configuration read from {ConfigFile}")]
    public static partial void ConfigFileRead(ILogger logger, string configFile);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "HTTP admin {Method} {Path} failed")]
    public static partial void AdminActionFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Known peers are stored in {Path}")]
    public static partial void PeerStoreOpened(ILogger logger, string path);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "Peer store {Path} is damaged ({Reason}): moved aside to {MovedTo}; starting with an empty one")]
    public static partial void PeerStoreCorrupt(ILogger logger, string path, string reason, string movedTo);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "Peer store {Path} cannot be used ({Reason}): known peers are kept in memory only until the next start")]
    public static partial void PeerStoreUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Information, Message = "Delivered messages are stored in {Path}")]
    public static partial void MessageStoreOpened(ILogger logger, string path);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Error, Message = "Message store {Path} was damaged: moved aside to {MovedTo}; starting with an empty one (anti-entropy fetches what is inside the horizon again)")]
    public static partial void MessageStoreCorrupt(ILogger logger, string path, string movedTo);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Error, Message = "Message store in {Directory} cannot be used ({Reason}): delivered messages are kept in memory only until the next start")]
    public static partial void MessageStoreUnusable(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "Handler queue journal {Path}: {Pending} deliveries whose handler run had not finished are run again ({Torn} torn lines ignored)")]
    public static partial void HandlerJournalReplay(ILogger logger, string path, int pending, int torn);

    [LoggerMessage(EventId = 2017, Level = LogLevel.Error, Message = "Handler queue journal {Path} cannot be used ({Reason}): queued handler runs are kept in memory only and a crash loses them")]
    public static partial void HandlerJournalUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 2018, Level = LogLevel.Warning, Message = "HTTP admin refused {Method} {Path} from {Remote} ({Reason}): {Detail}. Further refusals for this reason are counted in plumtree_agent_http_refused_total and logged at Debug")]
    public static partial void AdminRequestRefused(ILogger logger, string reason, string method, string path, string remote, string detail);

    [LoggerMessage(EventId = 2019, Level = LogLevel.Debug, Message = "HTTP admin refused {Method} {Path} from {Remote} ({Reason})")]
    public static partial void AdminRequestRefusedAgain(ILogger logger, string reason, string method, string path, string remote);

    [LoggerMessage(EventId = 2020, Level = LogLevel.Warning, Message = "HTTP admin listens on {EndPoint}, beyond loopback, WITHOUT authentication (--http-insecure): anyone who can reach it can broadcast, make the node leave and read every message; set Plumtree:HttpTokenFile")]
    public static partial void AdminInsecure(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "HTTP admin requires a bearer token ({Scope})")]
    public static partial void AdminTokenRequired(ILogger logger, string scope);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "HTTP admin TLS certificate reloaded ({Subject}, expires {NotAfter:u}); new connections use it")]
    public static partial void HttpsReloaded(ILogger logger, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Error, Message = "HTTP admin TLS files refused, the old certificate stays in use: {Problem}")]
    public static partial void HttpsReloadRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Information, Message = "SIGHUP: {What}")]
    public static partial void ReloadSignal(ILogger logger, string what);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Information, Message = "HTTP admin requires a client certificate from the CA bundle (mutual TLS)")]
    public static partial void AdminClientCertificateRequired(ILogger logger);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "Rejected a message from {From} that breaks the validation rule {Rule} (Plumtree:Validation; counted in plumtree_dropped_total{{reason=\"validation_rejected\"}}, later ones of this rule are only counted)")]
    public static partial void ValidationRejected(ILogger logger, string rule, string from);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "GET /metrics: an observable instrument's callback failed; the scrape goes on without its series")]
    public static partial void MetricsObserveFailed(ILogger logger, Exception exception);
}
