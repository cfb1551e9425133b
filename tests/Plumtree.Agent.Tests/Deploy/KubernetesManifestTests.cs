using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Plumtree.Agent.Configuration;
using Plumtree.Agent.Tests.Support;
using Plumtree.Broadcast;
using Plumtree.Hosting;
using Plumtree.Node;
using Plumtree.Testing;

namespace Plumtree.Agent.Tests.Deploy;

/// <summary>
/// The manifests in deploy/kubernetes, checked for structure (Kubernetes cannot run here): the kinds, selectors that
/// match the pods, the SRV name the agents join through naming the headless Service's gossip port, probes on
/// <c>/health</c> at the HTTP port, environment variables the agent reads, and the ConfigMap plus the pod's
/// environment loading as a valid agent configuration. YAML is read by python3-yaml (installed by .ci/run).
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly string Dir = Paths.Repo("deploy", "kubernetes");

    private static readonly string[] Manifests = ["configmap.yaml", "service.yaml", "statefulset.yaml", "poddisruptionbudget.yaml"];

    private const string Loader = "import json, sys, yaml\njson.dump([d for d in yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')) if d is not None], sys.stdout)";

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();

    private static async Task<List<JsonElement>> LoadAsync(string file)
    {
        var python = Tools.Require("python3", "python3-yaml");
        var (code, output) = await Tools.RunAsync(python, ["-c", Loader, Path.Combine(Dir, file)]);
        Assert.True(code == 0, $"{file} is not YAML python3-yaml reads (apt-get install python3-yaml; .ci/run does): {output}");
        using var doc = JsonDocument.Parse(output);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static async Task<JsonElement> OneAsync(string file, string kind)
    {
        var docs = await LoadAsync(file);
        var doc = Assert.Single(docs);
        Assert.Equal(kind, doc.GetProperty("kind").GetString());
        return doc;
    }

    private static Task<JsonElement> StatefulSetAsync() => OneAsync("statefulset.yaml", "StatefulSet");

    private static Task<JsonElement> ServiceAsync() => OneAsync("service.yaml", "Service");

    private static JsonElement Container(JsonElement statefulSet) =>
        Assert.Single(statefulSet.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers").EnumerateArray());

    private static Dictionary<string, string> Labels(JsonElement map) =>
        map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    private static void AssertSelects(Dictionary<string, string> selector, Dictionary<string, string> labels, string what)
    {
        Assert.True(selector.Count > 0, $"{what}: empty selector");
        foreach (var (key, value) in selector)
        {
            Assert.True(labels.TryGetValue(key, out var label) && label == value, $"{what}: selector {key}={value} does not match the pod labels");
        }
    }

    private static List<(string Name, JsonElement Value)> Env(JsonElement container) =>
        [.. container.GetProperty("env").EnumerateArray().Select(e => (e.GetProperty("name").GetString()!, e))];

    private static string EnvValue(JsonElement container, string name) =>
        Env(container).Single(e => e.Name == name).Value.GetProperty("value").GetString()!;

    private static async Task<JsonElement> ConfigFileAsync()
    {
        var map = await OneAsync("configmap.yaml", "ConfigMap");
        using var doc = JsonDocument.Parse(map.GetProperty("data").GetProperty("plumtree.json").GetString()!);
        return doc.RootElement.Clone();
    }

    private static (int Port, string Protocol) ContainerPort(JsonElement container, string name)
    {
        var port = container.GetProperty("ports").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);
        return (port.GetProperty("containerPort").GetInt32(), port.TryGetProperty("protocol", out var p) ? p.GetString()! : "TCP");
    }

    [Fact]
    public async Task The_kustomization_lists_every_manifest_and_they_are_the_kinds_a_cluster_needs()
    {
        var kustomization = Assert.Single(await LoadAsync("kustomization.yaml"));
        var resources = kustomization.GetProperty("resources").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(Dir, "*.yaml").Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(StringComparer.Ordinal);

        Assert.Equal(files, resources);
        Assert.Equal(Manifests.Order(StringComparer.Ordinal), files);
        var kinds = new List<string>();
        foreach (var file in Manifests)
        {
            foreach (var doc in await LoadAsync(file))
            {
                kinds.Add(doc.GetProperty("kind").GetString()!);
                Assert.Equal("plumtree", doc.GetProperty("metadata").GetProperty("name").GetString());
            }
        }

        Assert.Equal(["ConfigMap", "PodDisruptionBudget", "Service", "StatefulSet"], kinds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_headless_service_and_the_disruption_budget_select_the_stateful_sets_pods()
    {
        var set = await StatefulSetAsync();
        var service = await ServiceAsync();
        var budget = await OneAsync("poddisruptionbudget.yaml", "PodDisruptionBudget");
        var labels = Labels(set.GetProperty("spec").GetProperty("template").GetProperty("metadata").GetProperty("labels"));

        AssertSelects(Labels(set.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels")), labels, "StatefulSet");
        AssertSelects(Labels(service.GetProperty("spec").GetProperty("selector")), labels, "Service");
        AssertSelects(Labels(budget.GetProperty("spec").GetProperty("selector").GetProperty("matchLabels")), labels, "PodDisruptionBudget");
        Assert.Equal("None", service.GetProperty("spec").GetProperty("clusterIP").GetString());
        Assert.True(service.GetProperty("spec").GetProperty("publishNotReadyAddresses").GetBoolean());
        Assert.Equal(service.GetProperty("metadata").GetProperty("name").GetString(), set.GetProperty("spec").GetProperty("serviceName").GetString());
        Assert.Equal(1, budget.GetProperty("spec").GetProperty("maxUnavailable").GetInt32());
        Assert.True(set.GetProperty("spec").GetProperty("replicas").GetInt32() >= 3);
    }

    [Fact]
    public async Task The_join_srv_name_is_the_headless_services_gossip_port_which_is_the_agents_bind_port()
    {
        var set = await StatefulSetAsync();
        var service = await ServiceAsync();
        var container = Container(set);
        var join = EnvValue(container, "PLUMTREE_JOIN");

        var match = Regex.Match(join, @"^srv:_(?<port>[a-z0-9-]+)\._(?<proto>tcp|udp)\.(?<svc>[a-z0-9-]+)\.\$\(POD_NAMESPACE\)\.svc\.cluster\.local$");
        Assert.True(match.Success, $"PLUMTREE_JOIN '{join}' is not srv:_<port name>._<proto>.<service>.$(POD_NAMESPACE).svc.cluster.local");
        Assert.Equal(service.GetProperty("metadata").GetProperty("name").GetString(), match.Groups["svc"].Value);
        var servicePort = service.GetProperty("spec").GetProperty("ports").EnumerateArray().SingleOrDefault(p => p.GetProperty("name").GetString() == match.Groups["port"].Value);
        Assert.True(servicePort.ValueKind == JsonValueKind.Object, $"the Service has no port named '{match.Groups["port"].Value}' (the SRV name's _<port name>)");
        Assert.Equal(match.Groups["proto"].Value.ToUpperInvariant(), servicePort.GetProperty("protocol").GetString());
        var (port, protocol) = ContainerPort(container, servicePort.GetProperty("targetPort").GetString()!);
        Assert.Equal(servicePort.GetProperty("port").GetInt32(), port);
        Assert.Equal("TCP", protocol);
        Assert.Equal(port, (await ConfigFileAsync()).GetProperty("Plumtree").GetProperty("BindPort").GetInt32());

        // Every Service port is a container port of the same number and protocol (memberlist needs UDP too).
        foreach (var p in service.GetProperty("spec").GetProperty("ports").EnumerateArray())
        {
            Assert.Equal((p.GetProperty("port").GetInt32(), p.GetProperty("protocol").GetString()), ContainerPort(container, p.GetProperty("targetPort").GetString()!));
        }

        Assert.Contains(ContainerPort(container, "gossip-udp"), new[] { (port, "UDP") });
        var ns = Env(container).Single(e => e.Name == "POD_NAMESPACE").Value;
        Assert.Equal("metadata.namespace", ns.GetProperty("valueFrom").GetProperty("fieldRef").GetProperty("fieldPath").GetString());
        Assert.True(SeedAddress.TryParse(join.Replace("$(POD_NAMESPACE)", "default", StringComparison.Ordinal), out var seed, out var error), error);
        Assert.True(seed.IsSrv);
    }

    [Fact]
    public async Task Probes_ask_health_on_the_http_port_that_the_agent_serves_without_a_token()
    {
        var container = Container(await StatefulSetAsync());
        var config = (await ConfigFileAsync()).GetProperty("Plumtree");
        var http = config.GetProperty("Http").GetString()!;
        var (httpPort, _) = ContainerPort(container, "http");

        Assert.Equal($"0.0.0.0:{httpPort.ToString(CultureInfo.InvariantCulture)}", http);
        foreach (var probe in new[] { "readinessProbe", "startupProbe" })
        {
            var get = container.GetProperty(probe).GetProperty("httpGet");
            Assert.Equal("/health", get.GetProperty("path").GetString());
            Assert.Equal("http", get.GetProperty("port").GetString());
        }

        Assert.Equal("http", container.GetProperty("livenessProbe").GetProperty("tcpSocket").GetProperty("port").GetString());

        // GET /health is open under writes and all-except-probes, not under all.
        Assert.Equal("all-except-probes", config.GetProperty("HttpTokenScope").GetString());
    }

    [Fact]
    public async Task Every_variable_the_pod_sets_is_one_the_agent_reads_or_one_another_variable_refers_to()
    {
        var env = Env(Container(await StatefulSetAsync()));
        var referenced = env.Where(e => e.Value.TryGetProperty("value", out _))
            .SelectMany(e => VariableReference().Matches(e.Value.GetProperty("value").GetString()!).Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        var known = typeof(PlumtreeNodeOptions).GetProperties()
            .Concat(typeof(PlumtreeHostingOptions).GetProperties())
            .Concat(typeof(BroadcastOptions).GetProperties())
            .Concat(typeof(AgentSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Select(p => p.Name)
            .ToHashSet(StringComparer.Ordinal);

        foreach (var (name, value) in env)
        {
            if (!name.StartsWith(EnvironmentMapping.Prefix, StringComparison.Ordinal))
            {
                Assert.True(referenced.Contains(name), $"{name} is neither a PLUMTREE_ variable nor referenced by one");
                continue;
            }

            var mapped = EnvironmentMapping.Map(new Hashtable { [name] = "x" });
            var key = Assert.Single(mapped).Key;
            var setting = key.Split(':')[1];
            Assert.True(known.Contains(setting), $"{name} maps to {key}, which is not a key the agent reads");
        }

        Assert.All(referenced, r => Assert.Contains(r, env.Select(e => e.Name)));
    }

    [Fact]
    public async Task The_config_map_with_the_pods_environment_is_a_valid_agent_configuration()
    {
        var set = await StatefulSetAsync();
        var container = Container(set);
        var args = container.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Equal(["agent", "--config", "/etc/plumtree/plumtree.json"], args);
        var mounts = container.GetProperty("volumeMounts").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("mountPath").GetString()!, StringComparer.Ordinal);
        var volumes = set.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("volumes").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v, StringComparer.Ordinal);
        Assert.Equal("/etc/plumtree", mounts["config"]);
        Assert.Equal("plumtree", volumes["config"].GetProperty("configMap").GetProperty("name").GetString());
        var tokenFile = EnvValue(container, "PLUMTREE_HTTP_TOKEN_FILE");
        Assert.Equal(mounts["http-token"], Path.GetDirectoryName(tokenFile));
        Assert.Equal("plumtree-http-token", volumes["http-token"].GetProperty("secret").GetProperty("secretName").GetString());
        var claim = Assert.Single(set.GetProperty("spec").GetProperty("volumeClaimTemplates").EnumerateArray());
        Assert.Equal("data", claim.GetProperty("metadata").GetProperty("name").GetString());

        using var dir = new TempDir();
        var configFile = dir.File("plumtree.json", (await ConfigFileAsync()).GetRawText());
        var token = dir.File(Path.GetFileName(tokenFile), "0123456789abcdef0123456789abcdef\n");
        var environment = new Hashtable
        {
            ["PLUMTREE_NODE_NAME"] = "plumtree-0",
            ["PLUMTREE_ADVERTISE_ADDRESS"] = "10.244.1.7",
            ["PLUMTREE_JOIN"] = EnvValue(container, "PLUMTREE_JOIN").Replace("$(POD_NAMESPACE)", "default", StringComparison.Ordinal),
            ["PLUMTREE_HTTP_TOKEN_FILE"] = token,
        };
        Assert.Equal(environment.Keys.Cast<string>().Order(StringComparer.Ordinal), Env(container).Select(e => e.Name).Where(n => n.StartsWith("PLUMTREE_", StringComparison.Ordinal)).Order(StringComparer.Ordinal));

        var config = AgentConfiguration.Load(new AgentFlags { ConfigFile = configFile }, environment, useDefaultFile: false);

        Assert.Equal(["srv:_gossip._tcp.plumtree.default.svc.cluster.local"], config.Join);
        Assert.Equal("plumtree-0", config.Root["Plumtree:NodeName"]);
        Assert.Equal("10.244.1.7", config.Root["Plumtree:AdvertiseAddress"]);
        Assert.Equal("0.0.0.0:8080", config.Settings.Http.ToString());
        Assert.Equal(HttpTokenScope.AllExceptProbes, config.Settings.HttpTokenScope);
        Assert.NotNull(config.Settings.Token);
        Assert.Equal(mounts["data"], config.Settings.DataDir);
    }

    [Fact]
    public async Task Termination_waits_longer_than_the_graceful_leave_and_the_hosts_shutdown()
    {
        var set = await StatefulSetAsync();
        var grace = set.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("terminationGracePeriodSeconds").GetInt32();
        var leave = TimeSpan.Parse((await ConfigFileAsync()).GetProperty("Plumtree").GetProperty("LeaveTimeout").GetString()!, CultureInfo.InvariantCulture);

        // The agent's host waits LeaveTimeout + 15 s before giving up (AgentHost); the kubelet sends SIGKILL after the grace period.
        Assert.True(grace > leave.TotalSeconds + 15, $"terminationGracePeriodSeconds={grace} must exceed LeaveTimeout ({leave.TotalSeconds} s) + 15 s");
        Assert.False(Container(set).TryGetProperty("lifecycle", out _), "no preStop hook: SIGTERM itself starts the leave");
    }

    [Fact]
    public async Task The_guide_documents_the_token_secret_and_the_kubectl_equivalents()
    {
        var doc = await File.ReadAllTextAsync(Paths.Repo("docs", "kubernetes.md"), TestContext.Current.CancellationToken);

        Assert.Contains("kubectl create secret generic plumtree-http-token", doc, StringComparison.Ordinal);
        Assert.Contains("kubectl rollout restart statefulset/plumtree", doc, StringComparison.Ordinal);
        Assert.Contains("kubectl logs", doc, StringComparison.Ordinal);
        Assert.Contains("kubectl apply -k deploy/kubernetes", doc, StringComparison.Ordinal);
    }
}
