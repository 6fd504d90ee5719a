package dev.imagebuilder.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.imagebuilder.operator.reconciler.OwnCredentialGrants;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders the Helm chart under {@code helm/image-pipeline-operator} with {@code helm template} for
 * the ways it is meant to be installed and checks what the API server would receive: the pod's
 * security settings and probes, the operator's environment in each credentials mode, the exact
 * RBAC rules, and which optional objects exist. Values that the schema or the templates must
 * refuse are refused with a message naming them.
 *
 * <p>helm comes from {@code $HELM}, else {@code .tools/bin/helm} ({@code bash .ci/tools.sh}), else
 * the PATH. Without it the test is skipped, except under {@code CI=true}, where it fails.
 */
class HelmChartTest {

  static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path CHART = REPO.resolve(Path.of("helm", "image-pipeline-operator"));
  static final String RELEASE = "ipo";
  static final String NAMESPACE = "ops";
  static final String FULLNAME = "ipo-image-pipeline-operator";
  static final String LEASE_ROLE = FULLNAME + "-leader-election";
  static final String GROUP = "ecs.imagebuilder.dev";
  /** The oldest Kubernetes the chart supports; helm template renders for it unless told otherwise. */
  static final String KUBE_VERSION = "1.35.0";

  static final String SECRET = "ecs-credentials";
  static final String[] EXISTING_SECRET = {
    "--set", "credentials.secret.name=" + SECRET,
    "--set", "credentials.secret.securityTokenKey=token"
  };
  static final String[] RRSA_WEBHOOK = {"--set", "credentials.rrsa.roleName=image-pipeline-reader"};
  static final String[] RRSA_EXPLICIT = {
    "--set", "credentials.rrsa.roleArn=acs:ram::1234567890:role/image-pipeline-reader",
    "--set", "credentials.rrsa.oidcProviderArn=acs:ram::1234567890:oidc-provider/ack-rrsa-c0ffee"
  };
  static final String[] TWO_NAMESPACES = {"--set", "watchNamespaces={team-a,team-b}"};
  static final String[] TWO_REPLICAS = {"--set", "replicaCount=2"};
  static final String[] SERVICE_MONITOR_API = {
    "--api-versions", "monitoring.coreos.com/v1/ServiceMonitor"
  };
  static final String[] SERVICE_MONITOR = {"--set", "serviceMonitor.enabled=true"};
  static final String[] NETWORK_POLICY = {"--set", "networkPolicy.enabled=true"};
  static final String[] PER_WATCH_SECRETS = {"--set", "credentials.perWatchSecrets=true"};
  static final String[] CLUSTER_WIDE_SECRETS_ACCEPTED = {
    "--set", "credentials.perWatchSecretsClusterWide=true"
  };

  static final KubernetesSerialization YAML = new KubernetesSerialization();
  static String helm;

  @BeforeAll
  static void findHelm() {
    helm = locateHelm();
    if (helm == null) {
      String why = "helm not found in $HELM, " + REPO.resolve(".tools/bin/helm") + " or PATH"
          + " (bash .ci/tools.sh installs it)";
      if ("true".equals(System.getenv("CI"))) {
        fail(why);
      }
      Assumptions.abort(why);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The combinations of values the chart is installed with.

  static Stream<Arguments> installs() {
    return Stream.of(
        Arguments.of("defaults", new String[0]),
        Arguments.of("existing Secret", EXISTING_SECRET),
        Arguments.of("RRSA through the pod identity webhook", RRSA_WEBHOOK),
        Arguments.of("RRSA with an explicit role", RRSA_EXPLICIT),
        Arguments.of("two namespaces", TWO_NAMESPACES),
        Arguments.of("two replicas", TWO_REPLICAS),
        Arguments.of("ServiceMonitor with its API", concat(SERVICE_MONITOR, SERVICE_MONITOR_API)),
        Arguments.of("ServiceMonitor without its API", SERVICE_MONITOR),
        Arguments.of("NetworkPolicy", NETWORK_POLICY),
        Arguments.of("per-watch Secrets in listed namespaces", concat(PER_WATCH_SECRETS, TWO_NAMESPACES)),
        Arguments.of("per-watch Secrets cluster-wide, accepted",
            concat(PER_WATCH_SECRETS, CLUSTER_WIDE_SECRETS_ACCEPTED)),
        Arguments.of(
            "everything",
            concat(EXISTING_SECRET, TWO_NAMESPACES, TWO_REPLICAS, SERVICE_MONITOR,
                SERVICE_MONITOR_API, NETWORK_POLICY, PER_WATCH_SECRETS)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installs")
  void lintsStrictly(String name, String[] values) {
    // helm lint knows no --api-versions: it lints as for a cluster without extra APIs.
    var lintValues = String.join("\n", values)
        .replace("--api-versions\nmonitoring.coreos.com/v1/ServiceMonitor", "")
        .lines().filter(s -> !s.isEmpty()).toArray(String[]::new);
    var lint = run(concat(
        new String[] {"lint", "--strict", CHART.toString(), "--namespace", NAMESPACE,
            "--kube-version", KUBE_VERSION}, lintValues));
    assertThat(lint.exitCode()).as("helm lint --strict %s\n%s", name, lint.output()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installs")
  void neverInlinesACredentialOrCreatesASecret(String name, String[] values) {
    var objects = render(values);
    assertThat(objects).as("objects of kind Secret").noneMatch(o -> o.getKind().equals("Secret"));
    for (EnvVar env : operator(objects).getEnv()) {
      if (env.getName().startsWith("ALIBABA_CLOUD_ACCESS_KEY")
          || env.getName().equals("ALIBABA_CLOUD_SECURITY_TOKEN")) {
        assertThat(env.getValue()).as("inline value of %s", env.getName()).isNull();
        assertThat(env.getValueFrom().getSecretKeyRef()).as(env.getName()).isNotNull();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("installs")
  void runsLockedDown(String name, String[] values) {
    var deployment = deployment(render(values));
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getAutomountServiceAccountToken()).isTrue();
    assertThat(pod.getServiceAccountName()).isEqualTo(FULLNAME);

    var container = pod.getContainers().get(0);
    var security = container.getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getRunAsUser()).isEqualTo(65532L);
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(security.getPrivileged()).isNull();

    // The root filesystem is read-only: /tmp is an emptyDir.
    assertThat(container.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    String tmp = container.getVolumeMounts().stream()
        .filter(m -> m.getMountPath().equals("/tmp")).findFirst().orElseThrow().getName();
    assertThat(volume(pod.getVolumes(), tmp).getEmptyDir()).isNotNull();

    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getResources().getRequests().get("memory").toString()).isEqualTo("256Mi");
    assertThat(container.getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");
  }

  /**
   * Fabric8 keeps fields its model does not know in additionalProperties: a field name misspelt
   * in a template, which the API server would drop with no more than a warning.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("installs")
  void everyFieldIsOneKubernetesKnows(String name, String[] values) {
    for (var object : render(values)) {
      if (!(object instanceof GenericKubernetesResource)) {
        assertThat(unknownFields(object, object.getKind() + "/" + object.getMetadata().getName()))
            .isEmpty();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The Deployment and the operator's environment.

  @Test
  void probesAskTheOperatorsHttpServer() {
    var container = operator(render());
    assertThat(container.getPorts()).extracting(p -> p.getName() + "=" + p.getContainerPort())
        .as("the probes on a port of their own, apart from /metrics")
        .containsExactly("http=8080", "metrics=8443");
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(env(container)).containsEntry("HTTP_PORT", "8080");

    var moved = operator(render("--set", "http.port=9090"));
    assertThat(moved.getPorts().get(0).getContainerPort()).isEqualTo(9090);
    assertThat(env(moved)).containsEntry("HTTP_PORT", "9090");
  }

  @Test
  void defaultEnvironment() {
    var container = operator(render());
    assertThat(container.getImage()).isEqualTo("image-pipeline-operator:0.1.0");
    assertThat(env(container))
        .containsEntry("ECS_PROTOCOL", "https")
        .containsEntry("ECS_NETWORK", "public")
        .containsEntry("ECS_REQUESTS_PER_SECOND", "2")
        .containsEntry("ECS_MAX_EXECUTIONS_PER_WATCH", "40000")
        .containsEntry("DEFAULT_INTERVAL", "1m")
        .containsEntry("CHILD_WRITE_CONCURRENCY", "8")
        .containsEntry("WATCH_CREDENTIALS", "false")
        .containsEntry("OWN_CREDENTIALS_GRANTS", "[]")
        .containsEntry("LEADER_ELECTION", "true")
        .containsEntry("LEADER_ELECTION_LEASE", FULLNAME)
        .containsEntry("LOG_LEVEL", "INFO")
        .containsEntry("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1")
        .doesNotContainKeys(
            "ECS_ENDPOINT", "WATCH_NAMESPACES", "WATCH_SELECTOR");
    assertThat(container.getEnv().stream().map(EnvVar::getName))
        .noneMatch(name -> name.startsWith("ALIBABA_CLOUD_"));
    assertThat(fieldRef(container, "POD_NAMESPACE")).isEqualTo("metadata.namespace");
    assertThat(fieldRef(container, "POD_NAME")).isEqualTo("metadata.name");
  }

  @Test
  void valuesReachTheEnvironment() {
    var container = operator(render(
        "--set", "ecs.endpoint=ecs-vpc.cn-hangzhou.example.internal:8443",
        "--set", "ecs.protocol=http",
        "--set", "ecs.network=vpc",
        "--set", "ecs.requestsPerSecond=0.5",
        "--set", "ecs.maxExecutionsPerWatch=250000",
        "--set", "defaults.interval=5m",
        "--set", "childWriteConcurrency=3",
        "--set", "watchSelector=shard=a",
        "--set", "logLevel=debug",
        "--set", "image.repository=registry.example/ipo",
        "--set", "image.tag=1.2.3"));
    assertThat(env(container))
        .containsEntry("ECS_ENDPOINT", "ecs-vpc.cn-hangzhou.example.internal:8443")
        .containsEntry("ECS_PROTOCOL", "http")
        .containsEntry("ECS_NETWORK", "vpc")
        .containsEntry("ECS_REQUESTS_PER_SECOND", "0.5")
        .containsEntry("ECS_MAX_EXECUTIONS_PER_WATCH", "250000")
        .containsEntry("DEFAULT_INTERVAL", "5m")
        .containsEntry("CHILD_WRITE_CONCURRENCY", "3")
        .containsEntry("WATCH_SELECTOR", "shard=a")
        .containsEntry("LOG_LEVEL", "debug");
    assertThat(container.getImage()).isEqualTo("registry.example/ipo:1.2.3");
  }

  /**
   * ecs.proxy sets ECS_PROXY, which only the ECS clients read; nothing the Kubernetes client reads
   * (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY) is set. A proxy with a password comes from a
   * Secret.
   */
  @Test
  void ecsProxyReachesTheEcsClientsOnly() {
    var container = operator(render("--set", "ecs.proxy=http://proxy.example:3128"));
    assertThat(env(container))
        .containsEntry("ECS_PROXY", "http://proxy.example:3128")
        .doesNotContainKeys("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY");
    assertThat(secretRef(operator(render("--set", "ecs.proxySecret.name=ecs-proxy")), "ECS_PROXY"))
        .isEqualTo("ecs-proxy/url");
    assertThat(secretRef(operator(render("--set", "ecs.proxySecret.name=ecs-proxy", "--set", "ecs.proxySecret.key=proxy")), "ECS_PROXY"))
        .isEqualTo("ecs-proxy/proxy");
    assertThat(operator(render()).getEnv()).extracting(EnvVar::getName).doesNotContain("ECS_PROXY");
  }

  @Test
  void anEcsProxyWithAPasswordInThePlainValuesOrSetTwiceIsRefused() {
    assertRefused(new String[] {"--set", "ecs.proxy=http://svc:hunter2@proxy.example:3128"}, "ecs.proxy");
    assertRefused(new String[] {"--set", "ecs.proxy=proxy.example:3128"}, "ecs.proxy");
    assertRefused(new String[] {"--set", "ecs.proxy=https://proxy.example:3128"}, "ecs.proxy");
    assertRefused(new String[] {"--set", "ecs.proxy=http://proxy.example"}, "ecs.proxy");
    assertRefused(
        new String[] {"--set", "ecs.proxy=http://proxy.example:3128", "--set", "ecs.proxySecret.name=ecs-proxy"},
        "ecs.proxy", "ecs.proxySecret.name");
  }

  @Test
  void existingSecretIsReferencedKeyByKey() {
    var objects = render("--set", "credentials.secret.name=" + SECRET);
    var container = operator(objects);
    assertThat(secretRef(container, "ALIBABA_CLOUD_ACCESS_KEY_ID"))
        .isEqualTo(SECRET + "/access-key-id");
    assertThat(secretRef(container, "ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
        .isEqualTo(SECRET + "/access-key-secret");
    assertThat(env(container)).doesNotContainKeys("ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE");

    var custom = operator(render(
        "--set", "credentials.secret.name=" + SECRET,
        "--set", "credentials.secret.accessKeyIdKey=id",
        "--set", "credentials.secret.accessKeySecretKey=secret",
        "--set", "credentials.secret.securityTokenKey=token"));
    assertThat(secretRef(custom, "ALIBABA_CLOUD_ACCESS_KEY_ID")).isEqualTo(SECRET + "/id");
    assertThat(secretRef(custom, "ALIBABA_CLOUD_ACCESS_KEY_SECRET")).isEqualTo(SECRET + "/secret");
    assertThat(secretRef(custom, "ALIBABA_CLOUD_SECURITY_TOKEN")).isEqualTo(SECRET + "/token");
  }

  @Test
  void rrsaThroughThePodIdentityWebhookAnnotatesTheServiceAccountOnly() {
    var objects = render(RRSA_WEBHOOK);
    assertThat(one(objects, ServiceAccount.class).getMetadata().getAnnotations())
        .containsEntry("pod-identity.alibabacloud.com/role-name", "image-pipeline-reader");
    // The webhook injects the variables and the token; the chart must not set them as well.
    var container = operator(objects);
    assertThat(container.getEnv().stream().map(EnvVar::getName))
        .noneMatch(name -> name.startsWith("ALIBABA_CLOUD_"));
    assertThat(deployment(objects).getSpec().getTemplate().getSpec().getVolumes())
        .noneMatch(v -> v.getProjected() != null);

    assertThat(one(render(), ServiceAccount.class).getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void rrsaWithAnExplicitRoleProjectsAnStsToken() {
    var objects = render(RRSA_EXPLICIT);
    var container = operator(objects);
    assertThat(env(container))
        .containsEntry("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890:role/image-pipeline-reader")
        .containsEntry("ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
            "acs:ram::1234567890:oidc-provider/ack-rrsa-c0ffee")
        .doesNotContainKeys("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    Path tokenFile = Path.of(env(container).get("ALIBABA_CLOUD_OIDC_TOKEN_FILE"));

    var mount = container.getVolumeMounts().stream()
        .filter(m -> tokenFile.startsWith(m.getMountPath()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume mounted at " + tokenFile));
    assertThat(mount.getReadOnly()).isTrue();
    var projected =
        volume(deployment(objects).getSpec().getTemplate().getSpec().getVolumes(), mount.getName())
            .getProjected();
    assertThat(projected.getSources()).singleElement().satisfies(source -> {
      var token = source.getServiceAccountToken();
      assertThat(token.getAudience()).isEqualTo("sts.aliyuncs.com");
      assertThat(Path.of(mount.getMountPath()).resolve(token.getPath())).isEqualTo(tokenFile);
      assertThat(token.getExpirationSeconds()).isEqualTo(3600L);
    });
  }

  @Test
  void contradictoryCredentialsAreRefused() {
    assertRefused(concat(EXISTING_SECRET, RRSA_WEBHOOK),
        "credentials.secret.name", "credentials.rrsa.roleName");
    assertRefused(concat(RRSA_WEBHOOK, RRSA_EXPLICIT),
        "credentials.rrsa.roleName", "credentials.rrsa.roleArn");
    assertRefused(new String[] {"--set", "credentials.rrsa.roleArn=acs:ram::1:role/r"},
        "credentials.rrsa.oidcProviderArn");
  }

  // ---------------------------------------------------------------------------------------------
  // RBAC.

  static final List<String> WATCH_RULES = List.of(
      rule(GROUP, "imagepipelinewatches", "get", "list", "watch"),
      rule(GROUP, "imagepipelinewatches/status", "patch"),
      rule(GROUP, "imagepipelineexecutions", "get", "list", "watch", "create", "update", "delete"),
      // Names the operator to the admission policies of every release; no request uses it.
      rule(GROUP, "imagepipelineexecutions", "mirror"),
      rule("", "events", "create"));

  @Test
  void ownCredentialGrantsReachTheOperatorAsJson() {
    var container = operator(render(
        "--set-json", "ownCredentials.grants=[{\"namespace\":\"team-a\",\"pipelines\":[\"ip-a1\",\"ip-a2\"]},"
            + "{\"namespace\":\"platform\",\"pipelines\":[\"*\"]}]"));
    String json = env(container).get("OWN_CREDENTIALS_GRANTS");

    var grants = OwnCredentialGrants.parse("OWN_CREDENTIALS_GRANTS", json);
    assertThat(grants.allows("team-a", "ip-a2")).isTrue();
    assertThat(grants.allows("team-a", "ip-b1")).isFalse();
    assertThat(grants.allows("platform", "ip-b1")).isTrue();
    assertThat(grants.allows("team-b", "ip-a1")).isFalse();
  }

  @Test
  void malformedOwnCredentialGrantsAreRefusedNamingTheValue() {
    assertRefused(new String[] {"--set-json", "ownCredentials.grants=[{\"namespace\":\"Team_A\",\"pipelines\":[\"*\"]}]"},
        "ownCredentials.grants", "namespace");
    assertRefused(new String[] {"--set-json", "ownCredentials.grants=[{\"namespace\":\"team-a\",\"pipelines\":[]}]"},
        "ownCredentials.grants", "pipelines");
    assertRefused(new String[] {"--set-json", "ownCredentials.grants=[{\"namespace\":\"team-a\",\"pipelines\":[\"\"]}]"},
        "ownCredentials.grants", "pipelines");
    assertRefused(new String[] {"--set-json", "ownCredentials.grants=[{\"namespace\":\"team-a\"}]"},
        "ownCredentials.grants", "pipelines");
    assertRefused(new String[] {"--set-json", "ownCredentials.grants=[{\"namespace\":\"team-a\",\"pipeline\":[\"*\"]}]"},
        "ownCredentials.grants", "pipeline");
    assertRefused(new String[] {"--set", "ownCredentials.grants=team-a"}, "ownCredentials.grants");
  }

  @Test
  void allNamespacesGetOneClusterRoleWithoutSecrets() {
    var objects = render();
    var clusterRole = operatorClusterRole(objects);
    assertThat(rules(clusterRole.getRules())).containsExactlyInAnyOrderElementsOf(WATCH_RULES);
    var binding = withoutMetricsBindings(all(objects, ClusterRoleBinding.class)).get(0);
    assertThat(withoutMetricsBindings(all(objects, ClusterRoleBinding.class))).hasSize(1);
    assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(binding.getRoleRef().getName()).isEqualTo(clusterRole.getMetadata().getName());
    assertThat(binding.getSubjects()).singleElement().satisfies(this::isTheOperator);
    assertThat(watchRoles(objects)).isEmpty();
    assertThat(watchRoleBindings(objects)).isEmpty();
    assertThat(everyRule(objects)).noneMatch(r -> r.contains("secrets"));
  }

  @Test
  void listedNamespacesGetARoleEachAndNoClusterRole() {
    var objects = render(TWO_NAMESPACES);
    assertThat(all(objects, ClusterRole.class)).as("ClusterRoles other than the roles for people")
        .allMatch(r -> isUserRole(r) || isMetricsRole(r));
    assertThat(withoutMetricsBindings(all(objects, ClusterRoleBinding.class))).isEmpty();
    var roles = watchRoles(objects);
    assertThat(roles).extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    for (Role role : roles) {
      assertThat(rules(role.getRules())).containsExactlyInAnyOrderElementsOf(WATCH_RULES);
    }
    var bindings = watchRoleBindings(objects);
    assertThat(bindings).extracting(b -> b.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    for (RoleBinding binding : bindings) {
      assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
      assertThat(binding.getRoleRef().getName()).isEqualTo(FULLNAME);
      assertThat(binding.getSubjects()).singleElement().satisfies(this::isTheOperator);
    }
    assertThat(env(operator(objects))).containsEntry("WATCH_NAMESPACES", "team-a,team-b");
  }

  @Test
  void perWatchSecretsInListedNamespacesAddOnlyGetOnSecretsThere() {
    var namespaced = render(concat(PER_WATCH_SECRETS, TWO_NAMESPACES));

    assertThat(all(namespaced, ClusterRole.class)).allMatch(r -> isUserRole(r) || isMetricsRole(r));
    var roles = watchRoles(namespaced);
    assertThat(roles).extracting(r -> r.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("team-a", "team-b");
    for (Role role : roles) {
      assertThat(rules(role.getRules()))
          .containsExactlyInAnyOrderElementsOf(concat(WATCH_RULES, rule("", "secrets", "get")));
    }
    assertThat(env(operator(namespaced))).containsEntry("WATCH_CREDENTIALS", "true");
  }

  @Test
  void perWatchSecretsForAllNamespacesAreRefusedUnlessAccepted() {
    String[] message = {"credentials.perWatchSecrets=true with no watchNamespaces",
        "every Secret in the cluster", "credentials.perWatchSecretsClusterWide=true"};
    assertRefused(PER_WATCH_SECRETS, message);
    // The operator would still read any Secret a watch names, whoever grants it.
    assertRefused(concat(PER_WATCH_SECRETS, new String[] {"--set", "rbac.create=false"}), message);
  }

  @Test
  void perWatchSecretsForAllNamespacesOnceAcceptedAddGetOnSecretsToTheClusterRole() {
    var cluster = render(concat(PER_WATCH_SECRETS, CLUSTER_WIDE_SECRETS_ACCEPTED));

    assertThat(rules(operatorClusterRole(cluster).getRules()))
        .containsExactlyInAnyOrderElementsOf(concat(WATCH_RULES, rule("", "secrets", "get")));
    assertThat(env(operator(cluster))).containsEntry("WATCH_CREDENTIALS", "true");
  }

  @Test
  void acceptingClusterWideSecretsAloneGrantsNothing() {
    var objects = render(CLUSTER_WIDE_SECRETS_ACCEPTED);

    assertThat(everyRule(objects)).noneMatch(r -> r.contains("secrets"));
    assertThat(env(operator(objects))).containsEntry("WATCH_CREDENTIALS", "false");
  }

  // Roles for people, aggregated into view, edit and admin.

  static final String AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";

  @Test
  void viewAndEditRolesAreAggregatedIntoTheClustersRoles() {
    var objects = render();
    var view = clusterRole(objects, FULLNAME + "-view");
    assertThat(view.getMetadata().getLabels())
        .containsEntry(AGGREGATE + "view", "true")
        .containsEntry(AGGREGATE + "edit", "true")
        .containsEntry(AGGREGATE + "admin", "true");
    assertThat(rules(view.getRules())).containsExactlyInAnyOrder(
        rule(GROUP, "imagepipelinewatches", "get", "list", "watch"),
        rule(GROUP, "imagepipelineexecutions", "get", "list", "watch"));

    var edit = clusterRole(objects, FULLNAME + "-edit");
    assertThat(edit.getMetadata().getLabels())
        .containsEntry(AGGREGATE + "edit", "true")
        .containsEntry(AGGREGATE + "admin", "true")
        .doesNotContainKey(AGGREGATE + "view");
    // Executions mirror ECS: people read them, only the operator writes them.
    assertThat(rules(edit.getRules())).containsExactlyInAnyOrder(
        rule(GROUP, "imagepipelinewatches",
            "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"),
        rule(GROUP, "imagepipelineexecutions", "get", "list", "watch"));
    // Nothing binds them: the cluster's own bindings of view, edit and admin do.
    assertThat(all(objects, ClusterRoleBinding.class)).allSatisfy(b ->
        assertThat(b.getRoleRef().getName()).doesNotEndWith("-view").doesNotEndWith("-edit"));
  }

  @Test
  void viewAndEditRolesCanBeSwitchedOffOneByOne() {
    assertThat(all(render("--set", "rbac.aggregateToView=false"), ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .contains(FULLNAME + "-edit").doesNotContain(FULLNAME + "-view");
    assertThat(all(render("--set", "rbac.aggregateToEdit=false"), ClusterRole.class))
        .extracting(r -> r.getMetadata().getName())
        .contains(FULLNAME + "-view").doesNotContain(FULLNAME + "-edit");
    assertThat(all(render("--set", "rbac.aggregateToView=false", "--set", "rbac.aggregateToEdit=false"),
        ClusterRole.class)).noneMatch(HelmChartTest::isUserRole);
    assertRefused(new String[] {"--set", "rbac.aggregateToView=yes"}, "aggregateToView");
  }

  static ClusterRole clusterRole(List<HasMetadata> objects, String name) {
    return all(objects, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ClusterRole " + name));
  }

  @Test
  void rbacCanBeLeftToTheCluster() {
    var objects = render("--set", "rbac.create=false", "--set", "replicaCount=2");
    assertThat(objects).noneMatch(o -> o.getApiVersion().startsWith("rbac.authorization.k8s.io"));
  }

  // ---------------------------------------------------------------------------------------------
  // The admission policy: only operators write executions.

  static final String OPERATOR_USER = "system:serviceaccount:" + NAMESPACE + ":" + FULLNAME;
  static final String POLICY = NAMESPACE + "-" + FULLNAME;
  static final String[] NO_POLICY = {"--set", "admissionPolicy.enabled=false"};

  @Test
  void admissionPolicyLetsOnlyOperatorsCreateOrUpdateExecutions() {
    var objects = render();
    var policy = one(objects, ValidatingAdmissionPolicy.class);
    assertThat(policy.getMetadata().getName()).isEqualTo(POLICY);
    assertThat(policy.getMetadata().getNamespace()).isNull();
    var spec = policy.getSpec();
    assertThat(spec.getFailurePolicy()).isEqualTo("Fail");
    assertThat(spec.getParamKind()).isNull();
    // Deletes stay with RBAC: the operator re-creates a deleted child from ECS, and the garbage
    // collector and the namespace controller must always be able to remove children.
    assertThat(spec.getMatchConstraints().getResourceRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getApiGroups()).containsExactly(GROUP);
      assertThat(rule.getOperations()).containsExactlyInAnyOrder("CREATE", "UPDATE");
      assertThat(rule.getResources())
          .containsExactlyInAnyOrder("imagepipelineexecutions", "imagepipelineexecutions/status");
    });
    assertThat(spec.getValidations()).singleElement().satisfies(validation -> {
      assertThat(validation.getExpression()).contains(
          "'" + OPERATOR_USER + "'",
          "'system:serviceaccount:kube-system:generic-garbage-collector'",
          "'system:kube-controller-manager'",
          "check('mirror')", "check('never-granted')");
      assertThat(validation.getReason()).isEqualTo("Forbidden");
      assertThat(validation.getMessageExpression())
          .contains("request.userInfo.username", "ServiceAccount " + NAMESPACE + "/" + FULLNAME,
              "Helm release " + NAMESPACE + "/" + RELEASE);
      assertThat(validation.getMessage()).contains("ServiceAccount " + NAMESPACE + "/" + FULLNAME,
          "edit the ImagePipelineWatch", "delete it", "Helm release " + NAMESPACE + "/" + RELEASE);
    });

    var binding = one(objects, ValidatingAdmissionPolicyBinding.class);
    assertThat(binding.getMetadata().getName()).isEqualTo(POLICY);
    assertThat(binding.getSpec().getPolicyName()).isEqualTo(POLICY);
    assertThat(binding.getSpec().getValidationActions()).containsExactly("Deny");
    assertThat(binding.getSpec().getParamRef()).isNull();
    assertThat(binding.getSpec().getMatchResources()).as("all namespaces").isNull();
  }

  @Test
  void admissionPolicyIsOffWhenDisabled() {
    var objects = render(NO_POLICY);
    assertThat(all(objects, ValidatingAdmissionPolicy.class)).isEmpty();
    assertThat(all(objects, ValidatingAdmissionPolicyBinding.class)).isEmpty();
    // Other releases' policies still admit this operator.
    assertThat(rules(operatorClusterRole(objects).getRules()))
        .contains(rule(GROUP, "imagepipelineexecutions", "mirror"));
    assertRefused(new String[] {"--set", "admissionPolicy.enabled=auto"}, "admissionPolicy.enabled");
  }

  @Test
  void admissionPolicyAdmitsTheServiceAccountTheOperatorRunsAs() {
    assertThat(admittedExpression("--set", "serviceAccount.name=mirror-bot"))
        .contains("'system:serviceaccount:" + NAMESPACE + ":mirror-bot'")
        .doesNotContain(OPERATOR_USER);
    assertThat(admittedExpression("--set", "serviceAccount.create=false", "--set", "serviceAccount.name=existing"))
        .contains("'system:serviceaccount:" + NAMESPACE + ":existing'");
    assertThat(admittedExpression("--set", "rbac.create=false")).contains("'" + OPERATOR_USER + "'");
  }

  static String admittedExpression(String... values) {
    return one(render(values), ValidatingAdmissionPolicy.class).getSpec().getValidations().get(0).getExpression();
  }

  @Test
  void admissionPolicyAppliesOnlyInTheWatchedNamespaces() {
    var binding = one(render(TWO_NAMESPACES), ValidatingAdmissionPolicyBinding.class);
    assertThat(binding.getSpec().getMatchResources().getNamespaceSelector().getMatchExpressions())
        .singleElement().satisfies(expression -> {
          assertThat(expression.getKey()).isEqualTo("kubernetes.io/metadata.name");
          assertThat(expression.getOperator()).isEqualTo("In");
          assertThat(expression.getValues()).containsExactly("team-a", "team-b");
        });
    assertThat(binding.getSpec().getMatchResources().getObjectSelector()).isNull();
  }

  @Test
  void admissionPolicyNamesCarryTheReleaseAndItsNamespace() {
    var names = new TreeSet<String>();
    for (var release : List.of(List.of("ipo", "ops"), List.of("ipo", "ops-b"), List.of("shard-b", "ops"))) {
      var objects = renderAs(release.get(0), release.get(1));
      var policy = one(objects, ValidatingAdmissionPolicy.class).getMetadata().getName();
      assertThat(one(objects, ValidatingAdmissionPolicyBinding.class).getMetadata().getName()).isEqualTo(policy);
      assertThat(policy).startsWith(release.get(1) + "-").contains(release.get(0));
      names.add(policy);
    }
    assertThat(names).hasSize(3);
  }

  @Test
  void admissionPolicyFailsWhereTheClusterIsKnownNotToServeIt() {
    // A cluster's capabilities name kinds; helm template's own name group versions only.
    var cluster = new String[] {"--api-versions", "apps/v1/Deployment"};
    assertRefused(cluster, "ValidatingAdmissionPolicy", "admissionPolicy.enabled=false");
    assertThat(all(render(concat(cluster, NO_POLICY)), ValidatingAdmissionPolicy.class)).isEmpty();
    assertThat(all(render(concat(cluster, new String[] {"--api-versions",
        "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy"})), ValidatingAdmissionPolicy.class))
        .hasSize(1);
  }

  // ---------------------------------------------------------------------------------------------
  // Pod Security Admission and the supported Kubernetes versions.

  /** The chart runs in a namespace that enforces the restricted Pod Security Standard. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("installs")
  void everyPodMeetsTheRestrictedPodSecurityStandard(String name, String[] values) {
    var pods = podSpecs(render(values));
    assertThat(pods).isNotEmpty();
    pods.forEach((workload, pod) -> assertThat(restrictedViolations(pod)).as(workload).isEmpty());
  }

  @Test
  void restrictedCheckFindsWhatTheAdmissionWouldRefuse() {
    assertThat(restrictedViolations(deployment(render(
        "--set", "securityContext.capabilities.drop={NET_RAW}",
        "--set", "securityContext.seccompProfile.type=Unconfined",
        "--set", "podSecurityContext.runAsUser=0",
        "--set", "extraVolumes[0].name=host",
        "--set", "extraVolumes[0].hostPath.path=/var/run")).getSpec().getTemplate().getSpec()))
        .containsExactlyInAnyOrder(
            "volume host: hostPath",
            "pod: runAsUser 0",
            "container operator: capabilities.drop without ALL",
            "container operator: seccompProfile Unconfined");
  }

  @Test
  void rendersForKubernetes135AndLaterOnly() {
    for (String version : List.of("1.35.0", "v1.35.4-gke.1", "1.36.2", "1.37.0")) {
      assertThat(render("--kube-version", version)).as(version).isNotEmpty();
    }
    assertRefused(new String[] {"--kube-version", "1.34.9"}, "kubeVersion", ">=1.35.0-0");
  }

  static final java.util.Set<String> RESTRICTED_VOLUMES = java.util.Set.of("configMap", "csi", "downwardAPI",
      "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");

  /**
   * What the restricted Pod Security Standard (latest) refuses in a pod, one line each: host
   * namespaces, ports and paths, volume types beyond the allowed ones, privileged or escalating
   * containers, capabilities other than dropping ALL (adding at most NET_BIND_SERVICE), running as
   * root or possibly root, a seccomp profile that is not RuntimeDefault or Localhost, AppArmor
   * Unconfined, custom SELinux users or roles, an unmasked /proc, and sysctls.
   */
  static List<String> restrictedViolations(io.fabric8.kubernetes.api.model.PodSpec pod) {
    var out = new ArrayList<String>();
    if (Boolean.TRUE.equals(pod.getHostNetwork())) out.add("pod: hostNetwork");
    if (Boolean.TRUE.equals(pod.getHostPID())) out.add("pod: hostPID");
    if (Boolean.TRUE.equals(pod.getHostIPC())) out.add("pod: hostIPC");
    for (Volume volume : pod.getVolumes()) {
      var types = YAML.convertValue(volume, Map.class).keySet().stream()
          .map(String::valueOf).filter(k -> !k.equals("name")).toList();
      types.stream().filter(t -> !RESTRICTED_VOLUMES.contains(t))
          .forEach(t -> out.add("volume " + volume.getName() + ": " + t));
    }
    var podContext = pod.getSecurityContext() == null
        ? new io.fabric8.kubernetes.api.model.PodSecurityContext() : pod.getSecurityContext();
    if (Long.valueOf(0).equals(podContext.getRunAsUser())) out.add("pod: runAsUser 0");
    if (podContext.getSysctls() != null && !podContext.getSysctls().isEmpty()) out.add("pod: sysctls");
    if (podContext.getSeLinuxOptions() != null && (podContext.getSeLinuxOptions().getUser() != null
        || podContext.getSeLinuxOptions().getRole() != null)) out.add("pod: seLinuxOptions user or role");
    if (podContext.getAppArmorProfile() != null
        && "Unconfined".equals(podContext.getAppArmorProfile().getType())) out.add("pod: AppArmor Unconfined");
    boolean podNonRoot = Boolean.TRUE.equals(podContext.getRunAsNonRoot());
    String podSeccomp = podContext.getSeccompProfile() == null ? null : podContext.getSeccompProfile().getType();
    if ("Unconfined".equals(podSeccomp)) out.add("pod: seccompProfile Unconfined");

    var containers = new ArrayList<Map.Entry<String, io.fabric8.kubernetes.api.model.SecurityContext>>();
    pod.getInitContainers().forEach(c -> containers.add(Map.entry("init container " + c.getName(),
        orEmpty(c.getSecurityContext()))));
    pod.getContainers().forEach(c -> {
      containers.add(Map.entry("container " + c.getName(), orEmpty(c.getSecurityContext())));
      c.getPorts().stream().filter(p -> p.getHostPort() != null && p.getHostPort() != 0)
          .forEach(p -> out.add("container " + c.getName() + ": hostPort " + p.getHostPort()));
    });
    pod.getEphemeralContainers().forEach(c -> containers.add(Map.entry("ephemeral container " + c.getName(),
        orEmpty(c.getSecurityContext()))));
    for (var entry : containers) {
      String where = entry.getKey();
      var sc = entry.getValue();
      if (Boolean.TRUE.equals(sc.getPrivileged())) out.add(where + ": privileged");
      if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) out.add(where + ": allowPrivilegeEscalation not false");
      var caps = sc.getCapabilities();
      if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
        out.add(where + ": capabilities.drop without ALL");
      }
      if (caps != null && caps.getAdd() != null) {
        caps.getAdd().stream().filter(c -> !c.equals("NET_BIND_SERVICE")).forEach(c -> out.add(where + ": adds " + c));
      }
      if (Boolean.FALSE.equals(sc.getRunAsNonRoot()) || (!podNonRoot && !Boolean.TRUE.equals(sc.getRunAsNonRoot()))) {
        out.add(where + ": may run as root (runAsNonRoot)");
      }
      if (Long.valueOf(0).equals(sc.getRunAsUser())) out.add(where + ": runAsUser 0");
      String seccomp = sc.getSeccompProfile() == null ? podSeccomp : sc.getSeccompProfile().getType();
      if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
        out.add(where + ": seccompProfile " + seccomp);
      }
      if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) out.add(where + ": procMount");
      if (sc.getSeLinuxOptions() != null && (sc.getSeLinuxOptions().getUser() != null
          || sc.getSeLinuxOptions().getRole() != null)) out.add(where + ": seLinuxOptions user or role");
      if (sc.getAppArmorProfile() != null && "Unconfined".equals(sc.getAppArmorProfile().getType())) {
        out.add(where + ": AppArmor Unconfined");
      }
    }
    return out;
  }

  static io.fabric8.kubernetes.api.model.SecurityContext orEmpty(io.fabric8.kubernetes.api.model.SecurityContext sc) {
    return sc == null ? new io.fabric8.kubernetes.api.model.SecurityContext() : sc;
  }

  /** Every pod template among the objects, by kind and name; only a Deployment so far. */
  static Map<String, io.fabric8.kubernetes.api.model.PodSpec> podSpecs(List<HasMetadata> objects) {
    var pods = new LinkedHashMap<String, io.fabric8.kubernetes.api.model.PodSpec>();
    for (var object : objects) {
      String name = object.getKind() + "/" + object.getMetadata().getName();
      if (object instanceof Deployment d) {
        pods.put(name, d.getSpec().getTemplate().getSpec());
      } else if (object instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet s) {
        pods.put(name, s.getSpec().getTemplate().getSpec());
      } else if (object instanceof io.fabric8.kubernetes.api.model.apps.DaemonSet s) {
        pods.put(name, s.getSpec().getTemplate().getSpec());
      } else if (object instanceof io.fabric8.kubernetes.api.model.batch.v1.Job j) {
        pods.put(name, j.getSpec().getTemplate().getSpec());
      } else if (object instanceof io.fabric8.kubernetes.api.model.batch.v1.CronJob j) {
        pods.put(name, j.getSpec().getJobTemplate().getSpec().getTemplate().getSpec());
      } else if (object instanceof io.fabric8.kubernetes.api.model.Pod p) {
        pods.put(name, p.getSpec());
      } else {
        assertThat(object.getKind()).as("a kind that makes pods").isNotIn("ReplicaSet", "ReplicationController");
      }
    }
    return pods;
  }

  // ---------------------------------------------------------------------------------------------
  // Replicas, leader election and disruption budget.

  @Test
  void oneReplicaHoldsTheLeaseSoItIsReplacedOneByOne() {
    var objects = render();
    var deployment = deployment(objects);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal()).isEqualTo(1);
    assertThat(env(operator(objects)))
        .containsEntry("LEADER_ELECTION", "true")
        .containsEntry("LEADER_ELECTION_LEASE", FULLNAME);
    assertOnlyItsOwnLease(objects, FULLNAME);
    assertThat(all(objects, PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void autoLeavesOneReplicaWithoutElectionAndRecreatesIt() {
    var objects = render("--set", "leaderElection.enabled=auto");
    assertThat(deployment(objects).getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(env(operator(objects)))
        .containsEntry("LEADER_ELECTION", "false")
        .doesNotContainKey("LEADER_ELECTION_LEASE");
    assertThat(all(objects, Role.class)).isEmpty();
    assertThat(all(objects, RoleBinding.class)).isEmpty();
    assertThat(everyRule(objects)).noneMatch(r -> r.contains("leases"));

    var two = render("--set", "leaderElection.enabled=auto", "--set", "replicaCount=2");
    assertThat(env(operator(two))).containsEntry("LEADER_ELECTION", "true");
    assertOnlyItsOwnLease(two, FULLNAME);
  }

  @Test
  void twoReplicasElectALeaderThroughTheirOwnLease() {
    var objects = render(TWO_REPLICAS);
    var deployment = deployment(objects);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(env(operator(objects)))
        .containsEntry("LEADER_ELECTION", "true")
        .containsEntry("LEADER_ELECTION_LEASE", FULLNAME);
    assertOnlyItsOwnLease(objects, FULLNAME);

    var pdb = one(objects, PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
  }

  @Test
  void theLeaseCanBeNamed() {
    var objects = render("--set", "leaderElection.leaseName=shard-a");
    assertThat(env(operator(objects))).containsEntry("LEADER_ELECTION_LEASE", "shard-a");
    assertOnlyItsOwnLease(objects, "shard-a");
  }

  /**
   * Leases appear only in the leader-election Role in the release namespace: create, and get,
   * update and patch of the one Lease by name.
   */
  void assertOnlyItsOwnLease(List<HasMetadata> objects, String leaseName) {
    var leaseRole = all(objects, Role.class).stream()
        .filter(r -> r.getMetadata().getName().equals(LEASE_ROLE))
        .findFirst().orElseThrow();
    assertThat(leaseRole.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(rules(leaseRole.getRules())).containsExactlyInAnyOrder(
        rule("coordination.k8s.io", "leases", "create"),
        rule("coordination.k8s.io", "leases", "get", "update", "patch") + " names=[" + leaseName + "]");
    var leaseBinding = all(objects, RoleBinding.class).stream()
        .filter(b -> b.getRoleRef().getName().equals(LEASE_ROLE))
        .findFirst().orElseThrow();
    assertThat(leaseBinding.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(leaseBinding.getSubjects()).singleElement().satisfies(this::isTheOperator);
    assertThat(rules(operatorClusterRole(objects).getRules())).noneMatch(r -> r.contains("leases"));
    for (Role role : watchRoles(objects)) {
      assertThat(rules(role.getRules())).noneMatch(r -> r.contains("leases"));
    }
  }

  @Test
  void severalReplicasWithoutElectionAreRefused() {
    assertRefused(
        new String[] {"--set", "replicaCount=3", "--set", "leaderElection.enabled=false"},
        "leaderElection.enabled=false", "replicaCount=3");
  }

  // ---------------------------------------------------------------------------------------------
  // Metrics, ServiceMonitor and NetworkPolicy.

  @Test
  void metricsServiceSelectsTheOperatorPods() {
    var objects = render();
    var service = one(objects, Service.class);
    assertThat(service.getSpec().getSelector())
        .isEqualTo(deployment(objects).getSpec().getSelector().getMatchLabels());
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
      assertThat(port.getName()).isEqualTo("https-metrics");
      assertThat(port.getPort()).isEqualTo(8443);
      assertThat(port.getTargetPort().getStrVal()).isEqualTo("metrics");
    });
    assertThat(one(render("--set", "metrics.secure=false"), Service.class).getSpec().getPorts())
        .singleElement().satisfies(port -> {
          assertThat(port.getName()).isEqualTo("http-metrics");
          assertThat(port.getTargetPort().getStrVal()).isEqualTo("metrics");
        });
  }

  /**
   * Secure by default, as controller-runtime's metrics: the operator may review tokens and access,
   * a metrics-reader ClusterRole exists for scrapers, and the ServiceMonitor scrapes over HTTPS
   * with Prometheus' own token.
   */
  @Test
  void metricsAreSecureByDefaultWithTheRolesAndTheServiceMonitorToScrapeThem() {
    var objects = render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API));
    assertThat(env(operator(objects))).containsEntry("METRICS_SECURE", "true").containsEntry("METRICS_PORT", "8443");

    var roles = all(objects, ClusterRole.class);
    var auth = roles.stream().filter(r -> r.getMetadata().getName().equals(NAMESPACE + "-" + FULLNAME + "-metrics-auth"))
        .findFirst().orElseThrow();
    assertThat(auth.getRules()).extracting(r -> r.getApiGroups() + " " + r.getResources() + " " + r.getVerbs())
        .containsExactly("[authentication.k8s.io] [tokenreviews] [create]",
            "[authorization.k8s.io] [subjectaccessreviews] [create]");
    var binding = all(objects, ClusterRoleBinding.class).stream()
        .filter(b -> b.getRoleRef().getName().equals(auth.getMetadata().getName())).findFirst().orElseThrow();
    assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
      assertThat(subject.getName()).isEqualTo(FULLNAME);
      assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
    });
    var reader = roles.stream().filter(r -> r.getMetadata().getName().equals(NAMESPACE + "-" + FULLNAME + "-metrics-reader"))
        .findFirst().orElseThrow();
    assertThat(reader.getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getNonResourceURLs()).containsExactly("/metrics");
      assertThat(rule.getVerbs()).containsExactly("get");
    });

    List<Map<String, Object>> endpoints = serviceMonitors(objects).get(0).get("spec", "endpoints");
    assertThat(endpoints).singleElement().satisfies(endpoint -> {
      assertThat(endpoint).containsEntry("port", "https-metrics").containsEntry("scheme", "https")
          .containsEntry("bearerTokenFile", "/var/run/secrets/kubernetes.io/serviceaccount/token")
          .containsEntry("tlsConfig", Map.of("insecureSkipVerify", true))
          .containsEntry("honorLabels", true)
          .doesNotContainKey("authorization");
    });

    List<Map<String, Object>> fromSecret = serviceMonitors(render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API,
        new String[] {"--set", "serviceMonitor.authorization.type=Bearer",
            "--set", "serviceMonitor.authorization.credentials.name=prometheus-token",
            "--set", "serviceMonitor.authorization.credentials.key=token"}))).get(0).get("spec", "endpoints");
    assertThat(fromSecret.get(0))
        .containsEntry("authorization", Map.of("type", "Bearer", "credentials", Map.of("name", "prometheus-token", "key", "token")))
        .doesNotContainKey("bearerTokenFile");
    assertRefused(new String[] {"--set", "metrics.secure=sometimes"}, "metrics.secure");
  }

  @Test
  void plainMetricsWhenNotSecureWithoutTheReviewRoles() {
    var objects = render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API, new String[] {"--set", "metrics.secure=false"}));
    assertThat(env(operator(objects))).containsEntry("METRICS_SECURE", "false");
    assertThat(all(objects, ClusterRole.class)).extracting(r -> r.getMetadata().getName())
        .noneMatch(name -> name.endsWith("-metrics-auth") || name.endsWith("-metrics-reader"));
    List<Map<String, Object>> endpoints = serviceMonitors(objects).get(0).get("spec", "endpoints");
    assertThat(endpoints).singleElement().satisfies(endpoint -> {
      assertThat(endpoint).containsEntry("port", "http-metrics").containsEntry("honorLabels", true)
          .doesNotContainKeys("scheme", "bearerTokenFile", "tlsConfig", "authorization");
    });
  }

  @Test
  void serviceMonitorOnlyWhereItsApiExists() {
    assertThat(serviceMonitors(render())).isEmpty();
    assertThat(serviceMonitors(render(SERVICE_MONITOR))).isEmpty();
    assertThat(serviceMonitors(render(SERVICE_MONITOR_API))).isEmpty();

    var objects = render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API,
        new String[] {"--set", "serviceMonitor.additionalLabels.release=prometheus"}));
    var monitor = serviceMonitors(objects).get(0);
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    var service = one(objects, Service.class);
    @SuppressWarnings("unchecked")
    var matchLabels = (Map<String, String>) ((Map<String, Object>) monitor.get("spec", "selector"))
        .get("matchLabels");
    assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(matchLabels);
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints).singleElement().satisfies(endpoint -> {
      assertThat(endpoint).containsEntry("port", "https-metrics").containsEntry("path", "/metrics");
    });
  }

  /** The watch series' own namespace label wins unless told not to (PrometheusScrapeIT shows why). */
  @Test
  void serviceMonitorHonorsTheOperatorsLabelsUnlessToldNot() {
    List<Map<String, Object>> byDefault = serviceMonitors(render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API))).get(0)
        .get("spec", "endpoints");
    assertThat(byDefault.get(0)).containsEntry("honorLabels", true);
    List<Map<String, Object>> off = serviceMonitors(render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API,
        new String[] {"--set", "serviceMonitor.honorLabels=false"}))).get(0).get("spec", "endpoints");
    assertThat(off.get(0)).containsEntry("honorLabels", false);
    assertRefused(new String[] {"--set", "serviceMonitor.honorLabels=maybe"}, "serviceMonitor.honorLabels");
  }

  @Test
  void networkPolicyAllowsDnsTheApiServerEcsAndScrapesOnly() {
    assertThat(all(render(), NetworkPolicy.class)).isEmpty();

    var objects = render(NETWORK_POLICY);
    var policy = one(objects, NetworkPolicy.class).getSpec();
    assertThat(policy.getPodSelector().getMatchLabels())
        .isEqualTo(deployment(objects).getSpec().getSelector().getMatchLabels());
    assertThat(policy.getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(policy.getEgress()).extracting(HelmChartTest::egress).containsExactly(
        "to=any ports=[53/UDP, 53/TCP]",
        "to=any ports=[443/TCP, 6443/TCP]",
        "to=[0.0.0.0/0] ports=[443/TCP]");
    assertThat(policy.getIngress()).singleElement().satisfies(ingress -> {
      assertThat(ingress.getPorts()).singleElement()
          .satisfies(port -> assertThat(port.getPort().getStrVal()).as("the metrics port only").isEqualTo("metrics"));
      assertThat(ingress.getFrom()).singleElement().satisfies(from -> assertThat(
          from.getNamespaceSelector().getMatchLabels())
          .containsExactly(Map.entry("kubernetes.io/metadata.name", "monitoring")));
    });

    var narrowed = one(render(concat(NETWORK_POLICY, new String[] {
        "--set", "networkPolicy.apiServer.cidrs={10.0.0.1/32}",
        "--set", "networkPolicy.apiServer.ports={6443}",
        "--set", "networkPolicy.ecs.cidrs={100.100.0.0/16,192.168.0.0/24}"})),
        NetworkPolicy.class).getSpec();
    assertThat(narrowed.getEgress()).extracting(HelmChartTest::egress).containsExactly(
        "to=any ports=[53/UDP, 53/TCP]",
        "to=[10.0.0.1/32] ports=[6443/TCP]",
        "to=[100.100.0.0/16, 192.168.0.0/24] ports=[443/TCP]");
  }

  // ---------------------------------------------------------------------------------------------
  // CRDs.

  @Test
  void crdsAreTheCommittedOnesAndOutliveTheRelease() throws IOException {
    var crds = all(render(), CustomResourceDefinition.class);
    assertThat(crds).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder(
        "imagepipelinewatches." + GROUP, "imagepipelineexecutions." + GROUP);
    for (var crd : crds) {
      assertThat(crd.getMetadata().getAnnotations())
          .containsEntry("helm.sh/resource-policy", "keep");
      Path committed = REPO.resolve("crds").resolve(crd.getMetadata().getName() + "-v1.yml");
      CustomResourceDefinition source =
          YAML.unmarshal(Files.readString(committed), CustomResourceDefinition.class);
      assertThat(crd.getSpec()).as("spec of %s", committed).isEqualTo(source.getSpec());
    }

    assertThat(all(render("--set", "crds.keep=false"), CustomResourceDefinition.class))
        .hasSize(2)
        .allSatisfy(crd -> assertThat(crd.getMetadata().getAnnotations()).isNullOrEmpty());
    assertThat(all(render("--set", "crds.install=false"), CustomResourceDefinition.class))
        .isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // The values schema.

  @Test
  void misspeltValueFailsNamingIt() {
    assertRefused(new String[] {"--set", "replicaCont=2"}, "replicaCont", "not allowed");
    assertRefused(new String[] {"--set", "ecs.protocl=http"}, "protocl", "not allowed");
    assertRefused(new String[] {"--set", "securityContext.readOnlyRootFileSystem=false"},
        "readOnlyRootFileSystem", "not allowed");
  }

  @Test
  void outOfRangeValueFailsNamingIt() {
    assertRefused(new String[] {"--set", "ecs.network=private"}, "ecs.network", "public", "vpc");
    assertRefused(new String[] {"--set", "ecs.protocol=ftp"}, "ecs.protocol", "https");
    assertRefused(new String[] {"--set", "defaults.interval=5s"}, "defaults.interval");
    assertRefused(new String[] {"--set", "defaults.interval=one minute"}, "defaults.interval");
    assertRefused(new String[] {"--set", "ecs.requestsPerSecond=0"}, "ecs.requestsPerSecond");
    assertRefused(new String[] {"--set", "ecs.requestsPerSecond=0.0"}, "ecs.requestsPerSecond");
    assertRefused(new String[] {"--set", "ecs.requestsPerSecond=fast"}, "ecs.requestsPerSecond");
    assertRefused(new String[] {"--set", "ecs.maxExecutionsPerWatch=0"}, "ecs.maxExecutionsPerWatch");
    assertRefused(new String[] {"--set", "leaderElection.enabled=maybe"}, "leaderElection.enabled");
    assertRefused(
        new String[] {"--set", "serviceMonitor.interval=often"}, "serviceMonitor.interval");
  }

  @Test
  void installsOnAPlainClusterWithOnlyTheImageNamed() {
    var objects = render("--set", "image.repository=x");
    assertThat(operator(objects).getImage()).isEqualTo("x:0.1.0");
    assertThat(objects).extracting(HasMetadata::getKind).containsExactlyInAnyOrder(
        "CustomResourceDefinition", "CustomResourceDefinition", "ServiceAccount", "ClusterRole",
        "ClusterRoleBinding", "ClusterRole", "ClusterRole", "Role", "RoleBinding", "Service", "Deployment",
        "ClusterRole", "ClusterRoleBinding", "ClusterRole",
        "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    for (var object : objects) {
      assertThat(object.getApiVersion()).as(object.getKind())
          .doesNotContain("monitoring.coreos.com");
      if (!object.getKind().startsWith("Cluster")
          && !object.getKind().startsWith("ValidatingAdmissionPolicy")
          && !object.getKind().equals("CustomResourceDefinition")) {
        assertThat(object.getMetadata().getNamespace()).as(object.getKind()).isEqualTo(NAMESPACE);
      }
    }
  }

  @Test
  void anImagePinnedByDigestIsPulledByDigestWhateverTheTag() {
    String digest = "sha256:" + "0123456789abcdef".repeat(4);
    var byDigest = operator(render("--set", "image.repository=registry.example.com:5000/platform/image-pipeline-operator",
        "--set", "image.digest=" + digest, "--set", "image.tag=9.9.9"));
    assertThat(byDigest.getImage()).isEqualTo("registry.example.com:5000/platform/image-pipeline-operator@" + digest);
    assertThat(operator(render("--set", "image.repository=r/x", "--set", "image.tag=1.2.3")).getImage()).isEqualTo("r/x:1.2.3");
  }

  @Test
  void aDigestThatIsNotSha256IsRefusedNamingIt() {
    assertRefused(new String[] {"--set", "image.digest=0123456789abcdef"}, "image.digest");
    assertRefused(new String[] {"--set", "image.digest=sha256:ABC"}, "image.digest");
    assertRefused(new String[] {"--set", "image.digest=sha512:" + "0".repeat(128)}, "image.digest");
  }

  // ---------------------------------------------------------------------------------------------
  // Options platform teams set: volumes, annotations, labels, history, relabelings, log format.

  @Test
  void extraVolumesAreMountedIntoTheOperator() {
    var objects = render(
        "--set", "extraVolumes[0].name=proxy-ca",
        "--set", "extraVolumes[0].configMap.name=corporate-ca",
        "--set", "extraVolumeMounts[0].name=proxy-ca",
        "--set", "extraVolumeMounts[0].mountPath=/etc/pki/proxy",
        "--set", "extraVolumeMounts[0].readOnly=true");
    var pod = deployment(objects).getSpec().getTemplate().getSpec();
    assertThat(volume(pod.getVolumes(), "proxy-ca").getConfigMap().getName()).isEqualTo("corporate-ca");
    assertThat(volume(pod.getVolumes(), "tmp").getEmptyDir()).as("the chart's own volumes stay").isNotNull();
    assertThat(operator(objects).getVolumeMounts()).anySatisfy(m -> {
      assertThat(m.getName()).isEqualTo("proxy-ca");
      assertThat(m.getMountPath()).isEqualTo("/etc/pki/proxy");
      assertThat(m.getReadOnly()).isTrue();
    });
    assertThat(operator(objects).getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertRefused(new String[] {"--set", "extraVolumeMounts[0].name=proxy-ca"}, "mountPath");
  }

  @Test
  void deploymentAnnotationsGoOnTheDeploymentNotThePods() {
    var deployment = deployment(render("--set-string", "deploymentAnnotations.reloader\\.stakater\\.com/auto=true"));
    assertThat(deployment.getMetadata().getAnnotations()).containsEntry("reloader.stakater.com/auto", "true");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(deployment(render()).getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void commonLabelsGoOnEveryObjectButNeverIntoTheSelector() {
    var objects = render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API, NETWORK_POLICY, TWO_REPLICAS,
        new String[] {"--set", "commonLabels.team=platform", "--set", "commonLabels.cost-center=cc-42"}));
    for (var object : objects) {
      assertThat(object.getMetadata().getLabels()).as("labels of %s %s", object.getKind(), object.getMetadata().getName())
          .containsEntry("team", "platform").containsEntry("cost-center", "cc-42");
    }
    var deployment = deployment(objects);
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "platform");
    assertThat(deployment.getSpec().getSelector().getMatchLabels())
        .as("the immutable selector").isEqualTo(deployment(render()).getSpec().getSelector().getMatchLabels());
  }

  @Test
  void revisionHistoryLimitReachesTheDeployment() {
    assertThat(deployment(render()).getSpec().getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(deployment(render("--set", "revisionHistoryLimit=3")).getSpec().getRevisionHistoryLimit()).isEqualTo(3);
    assertRefused(new String[] {"--set", "revisionHistoryLimit=-1"}, "revisionHistoryLimit");
  }

  @Test
  void podsGoToLinuxNodesAndSelectorsAddToThat() {
    assertThat(nodeSelector()).containsExactly(Map.entry("kubernetes.io/os", "linux"));
    assertThat(nodeSelector("--set", "nodeSelector.disktype=ssd"))
        .containsOnly(Map.entry("kubernetes.io/os", "linux"), Map.entry("disktype", "ssd"));
    assertThat(nodeSelector("--set", "nodeSelector.kubernetes\\.io/os=null")).isNullOrEmpty();
  }

  static Map<String, String> nodeSelector(String... values) {
    return deployment(render(values)).getSpec().getTemplate().getSpec().getNodeSelector();
  }

  @Test
  void serviceMonitorCarriesRelabelings() {
    var monitor = serviceMonitors(render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API, new String[] {
        "--set", "serviceMonitor.relabelings[0].targetLabel=cluster",
        "--set", "serviceMonitor.relabelings[0].replacement=prod-1",
        "--set", "serviceMonitor.metricRelabelings[0].action=drop",
        "--set", "serviceMonitor.metricRelabelings[0].sourceLabels={__name__}",
        "--set", "serviceMonitor.metricRelabelings[0].regex=jvm_.*"}))).get(0);
    List<Map<String, Object>> endpoints = monitor.get("spec", "endpoints");
    assertThat(endpoints).singleElement().satisfies(endpoint -> {
      assertThat(endpoint.get("relabelings"))
          .isEqualTo(List.of(Map.of("targetLabel", "cluster", "replacement", "prod-1")));
      assertThat(endpoint.get("metricRelabelings"))
          .isEqualTo(List.of(Map.of("action", "drop", "sourceLabels", List.of("__name__"), "regex", "jvm_.*")));
    });
    List<Map<String, Object>> plain = serviceMonitors(render(concat(SERVICE_MONITOR, SERVICE_MONITOR_API))).get(0)
        .get("spec", "endpoints");
    assertThat(plain.get(0)).doesNotContainKeys("relabelings", "metricRelabelings");
  }

  @Test
  void theSchemaAcceptsEnabledAsUmbrellaChartsSetIt() {
    assertThat(render("--set", "enabled=true")).isNotEmpty();
    assertRefused(new String[] {"--set", "enabled=maybe"}, "enabled");
  }

  @Test
  void logFormatReachesTheEnvironment() {
    assertThat(env(operator(render()))).containsEntry("LOG_FORMAT", "text");
    assertThat(env(operator(render("--set", "logFormat=json")))).containsEntry("LOG_FORMAT", "json");
    assertRefused(new String[] {"--set", "logFormat=xml"}, "logFormat", "json");
  }

  // ---------------------------------------------------------------------------------------------
  // Alerts and dashboard (their PromQL: helm/monitoring/alerts_test.yaml, MonitoringMetricsTest).

  static final String[] PROMETHEUS_RULE_API = {"--api-versions", "monitoring.coreos.com/v1/PrometheusRule"};
  static final String[] PROMETHEUS_RULE = {"--set", "prometheusRule.enabled=true"};

  @Test
  void prometheusRuleOnlyWhenAskedAndWhereItsApiExists() {
    assertThat(kind(render(PROMETHEUS_RULE_API), "PrometheusRule")).isEmpty();
    assertThat(kind(render(PROMETHEUS_RULE), "PrometheusRule")).isEmpty();

    var rule = kind(render(concat(PROMETHEUS_RULE, PROMETHEUS_RULE_API,
        new String[] {"--set", "prometheusRule.additionalLabels.release=prometheus"})), "PrometheusRule");
    assertThat(rule).singleElement().satisfies(r -> {
      assertThat(r.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
      assertThat(r.getMetadata().getLabels()).containsEntry("release", "prometheus");
      List<Map<String, Object>> groups = r.get("spec", "groups");
      @SuppressWarnings("unchecked")
      var alerts = ((List<Map<String, Object>>) groups.get(0).get("rules")).stream().map(a -> a.get("alert")).toList();
      assertThat(alerts).containsExactly("ImagePipelineWatchNotReady", "ImagePipelineWatchSyncStale",
          "ImagePipelineOperatorEcsThrottled", "ImagePipelineOperatorChildWriteErrors", "ImagePipelineOperatorAbsent");
    });
  }

  @Test
  void staleSyncThresholdIsTwoOfEachWatchsIntervalsUnlessSet() {
    assertThat(staleExpr()).contains("> 2 * imagebuilder_watch_interval_seconds{job=");
    assertThat(staleExpr("--set", "defaults.interval=1h30m5s")).contains("> 2 * imagebuilder_watch_interval_seconds{job=");
    assertThat(staleExpr("--set", "prometheusRule.syncStaleAfterSeconds=7200")).contains("> 7200)")
        .doesNotContain("imagebuilder_watch_interval_seconds");
  }

  /**
   * Every alert links to a section of docs/troubleshooting.md at the release's tag; a heading
   * renamed or removed there breaks the link, and this test. The anchors are GitHub's: the
   * heading in lower case, without punctuation, spaces as hyphens.
   */
  @Test
  void everyAlertLinksToItsSectionOfTheTroubleshootingGuide() throws IOException {
    String chart = Files.readString(CHART.resolve("Chart.yaml"));
    String home = chartField(chart, "home");
    String appVersion = chartField(chart, "appVersion");
    String guide = home + "/blob/v" + appVersion + "/docs/troubleshooting.md";
    var anchors = headingAnchors(REPO.resolve("docs/troubleshooting.md"));

    var rules = alertRules();
    assertThat(rules).hasSize(5);
    for (var rule : rules) {
      String alert = String.valueOf(rule.get("alert"));
      @SuppressWarnings("unchecked")
      var annotations = (Map<String, Object>) rule.get("annotations");
      String url = String.valueOf(annotations.get("runbook_url"));
      assertThat(url).as("runbook_url of %s", alert).isEqualTo(guide + "#" + alert.toLowerCase(java.util.Locale.ROOT));
      assertThat(anchors).as("headings of docs/troubleshooting.md, for %s", alert)
          .contains(url.substring(url.indexOf('#') + 1));
    }

    assertThat(alertRules("--set", "prometheusRule.runbookBaseUrl=https://git.example/ops/troubleshooting.md"))
        .allSatisfy(rule -> assertThat(((Map<?, ?>) rule.get("annotations")).get("runbook_url")).asString()
            .startsWith("https://git.example/ops/troubleshooting.md#"));
    assertRefused(new String[] {"--set", "prometheusRule.runbookBaseUrl=troubleshooting.md#x"},
        "prometheusRule.runbookBaseUrl");
  }

  static String chartField(String chartYaml, String field) {
    var m = java.util.regex.Pattern.compile("(?m)^" + field + ": *\"?([^\"\\s]+)\"?\\s*$").matcher(chartYaml);
    assertThat(m.find()).as("%s in Chart.yaml", field).isTrue();
    return m.group(1);
  }

  /** The anchors GitHub gives the Markdown headings of a file. */
  static List<String> headingAnchors(Path markdown) throws IOException {
    List<String> anchors = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(markdown)) {
      if (line.startsWith("```")) {
        fenced = !fenced;
      } else if (!fenced && line.matches("#{1,6} .*")) {
        String anchor = line.replaceFirst("^#+ ", "").strip().toLowerCase(java.util.Locale.ROOT)
            .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
        assertThat(anchors).as("headings of %s are unique", markdown).doesNotContain(anchor);
        anchors.add(anchor);
      }
    }
    return anchors;
  }

  static List<Map<String, Object>> alertRules(String... values) {
    var rule = kind(render(concat(PROMETHEUS_RULE, PROMETHEUS_RULE_API, values)), "PrometheusRule").get(0);
    List<Map<String, Object>> groups = rule.get("spec", "groups");
    @SuppressWarnings("unchecked")
    var rules = (List<Map<String, Object>>) groups.get(0).get("rules");
    return rules;
  }

  static String staleExpr(String... values) {
    var rule = kind(render(concat(PROMETHEUS_RULE, PROMETHEUS_RULE_API, values)), "PrometheusRule").get(0);
    List<Map<String, Object>> groups = rule.get("spec", "groups");
    @SuppressWarnings("unchecked")
    var rules = (List<Map<String, Object>>) groups.get(0).get("rules");
    return rules.stream().filter(r -> "ImagePipelineWatchSyncStale".equals(r.get("alert")))
        .map(r -> String.valueOf(r.get("expr"))).findFirst().orElseThrow();
  }

  @Test
  void grafanaDashboardIsAConfigMapForTheSidecar() {
    assertThat(all(render(), io.fabric8.kubernetes.api.model.ConfigMap.class)).isEmpty();
    var dashboard = one(render("--set", "grafanaDashboard.enabled=true"), io.fabric8.kubernetes.api.model.ConfigMap.class);
    assertThat(dashboard.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getData()).containsOnlyKeys("image-pipeline-operator.json");

    var elsewhere = one(render("--set", "grafanaDashboard.enabled=true",
        "--set", "grafanaDashboard.namespace=monitoring",
        "--set", "grafanaDashboard.sidecarLabel=dashboards",
        "--set-string", "grafanaDashboard.sidecarLabelValue=ops",
        "--set", "grafanaDashboard.annotations.grafana_folder=Operators"), io.fabric8.kubernetes.api.model.ConfigMap.class);
    assertThat(elsewhere.getMetadata().getNamespace()).isEqualTo("monitoring");
    assertThat(elsewhere.getMetadata().getLabels()).containsEntry("dashboards", "ops").doesNotContainKey("grafana_dashboard");
    assertThat(elsewhere.getMetadata().getAnnotations()).containsEntry("grafana_folder", "Operators");
  }

  static List<GenericKubernetesResource> kind(List<HasMetadata> objects, String kind) {
    return all(objects, GenericKubernetesResource.class).stream().filter(o -> o.getKind().equals(kind)).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // helm and the rendered objects.

  record Run(int exitCode, String output) {}

  static Run run(String... args) {
    try {
      File out = File.createTempFile("helm", ".out");
      try {
        var command = new ArrayList<String>();
        command.add(helm);
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out);
        // No kubeconfig of the machine may leak into the rendering.
        builder.environment().put("KUBECONFIG", out.getPath() + ".absent");
        var process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          fail("helm %s did not finish within 60 s", String.join(" ", args));
        }
        return new Run(process.exitValue(), Files.readString(out.toPath()));
      } finally {
        Files.deleteIfExists(out.toPath());
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + helm, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static List<HasMetadata> render(String... values) {
    return renderAs(RELEASE, NAMESPACE, values);
  }

  static List<HasMetadata> renderAs(String release, String namespace, String... values) {
    var template = run(template(release, namespace, values));
    assertThat(template.exitCode())
        .as("helm template %s\n%s", String.join(" ", values), template.output())
        .isZero();
    Object parsed = YAML.unmarshal(template.output());
    var objects = new ArrayList<HasMetadata>();
    if (parsed instanceof List<?> list) {
      list.forEach(o -> objects.add((HasMetadata) o));
    } else if (parsed != null) {
      objects.add((HasMetadata) parsed);
    }
    return objects;
  }

  /** helm template's arguments, for the oldest supported Kubernetes unless values name one. */
  static String[] template(String release, String namespace, String... values) {
    var args = concat(new String[] {"template", release, CHART.toString(), "--namespace", namespace}, values);
    return Arrays.asList(values).contains("--kube-version")
        ? args
        : concat(args, new String[] {"--kube-version", KUBE_VERSION});
  }

  static void assertRefused(String[] values, String... messageParts) {
    var template = run(template(RELEASE, NAMESPACE, values));
    assertThat(template.exitCode())
        .as("helm template %s should fail", String.join(" ", values))
        .isNotZero();
    assertThat(template.output()).contains(messageParts);
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    var matching = all(objects, type);
    assertThat(matching).as("objects of type %s", type.getSimpleName()).hasSize(1);
    return matching.get(0);
  }

  /** The Roles that serve watches: all but leader election's. */
  static List<Role> watchRoles(List<HasMetadata> objects) {
    return all(objects, Role.class).stream().filter(r -> !r.getMetadata().getName().equals(LEASE_ROLE)).toList();
  }

  static List<RoleBinding> watchRoleBindings(List<HasMetadata> objects) {
    return all(objects, RoleBinding.class).stream().filter(b -> !b.getRoleRef().getName().equals(LEASE_ROLE)).toList();
  }

  /** The operator's own ClusterRole (beside the roles for people). */
  static ClusterRole operatorClusterRole(List<HasMetadata> objects) {
    var roles = all(objects, ClusterRole.class).stream().filter(r -> !isUserRole(r) && !isMetricsRole(r)).toList();
    assertThat(roles).as("the operator's ClusterRole").hasSize(1);
    return roles.get(0);
  }

  /**
   * The secure metrics' roles: the operator's TokenReview and SubjectAccessReview (cluster-scoped
   * by nature, whatever watchNamespaces says) and the metrics-reader role for scrapers.
   */
  static boolean isMetricsRole(ClusterRole role) {
    return role.getMetadata().getName().endsWith("-metrics-auth") || role.getMetadata().getName().endsWith("-metrics-reader");
  }

  static List<ClusterRoleBinding> withoutMetricsBindings(List<ClusterRoleBinding> bindings) {
    return bindings.stream().filter(b -> !b.getRoleRef().getName().endsWith("-metrics-auth")).toList();
  }

  static boolean isUserRole(ClusterRole role) {
    return role.getMetadata().getName().equals(FULLNAME + "-view")
        || role.getMetadata().getName().equals(FULLNAME + "-edit");
  }

  static Deployment deployment(List<HasMetadata> objects) {
    return one(objects, Deployment.class);
  }

  static Container operator(List<HasMetadata> objects) {
    var containers = deployment(objects).getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  static List<GenericKubernetesResource> serviceMonitors(List<HasMetadata> objects) {
    return all(objects, GenericKubernetesResource.class).stream()
        .filter(o -> o.getKind().equals("ServiceMonitor"))
        .toList();
  }

  /** Plain values of the container's environment (valueFrom entries are left out). */
  static Map<String, String> env(Container container) {
    var values = new LinkedHashMap<String, String>();
    for (EnvVar env : container.getEnv()) {
      assertThat(values).as("duplicate env %s", env.getName()).doesNotContainKey(env.getName());
      if (env.getValueFrom() == null) {
        values.put(env.getName(), env.getValue());
      }
    }
    return values;
  }

  static EnvVar envVar(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name));
  }

  static String fieldRef(Container container, String name) {
    return envVar(container, name).getValueFrom().getFieldRef().getFieldPath();
  }

  /** "secret/key" of a variable that must come from a Secret. */
  static String secretRef(Container container, String name) {
    var env = envVar(container, name);
    assertThat(env.getValue()).as("inline value of %s", name).isNull();
    var ref = env.getValueFrom().getSecretKeyRef();
    return ref.getName() + "/" + ref.getKey();
  }

  static Volume volume(List<Volume> volumes, String name) {
    return volumes.stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  void isTheOperator(Subject subject) {
    assertThat(subject.getKind()).isEqualTo("ServiceAccount");
    assertThat(subject.getName()).isEqualTo(FULLNAME);
    assertThat(subject.getNamespace()).isEqualTo(NAMESPACE);
  }

  /** One rule as text, one resource per rule, so that rule sets compare exactly. */
  static String rule(String group, String resource, String... verbs) {
    return "group=" + group + " resource=" + resource + " verbs="
        + new TreeSet<>(Arrays.asList(verbs));
  }

  static List<String> rules(List<PolicyRule> policyRules) {
    var out = new ArrayList<String>();
    for (PolicyRule r : policyRules) {
      assertThat(r.getNonResourceURLs()).isNullOrEmpty();
      for (String group : r.getApiGroups()) {
        for (String resource : r.getResources()) {
          String text = rule(group, resource, r.getVerbs().toArray(String[]::new));
          if (r.getResourceNames() != null && !r.getResourceNames().isEmpty()) {
            text += " names=" + r.getResourceNames();
          }
          out.add(text);
        }
      }
    }
    return out;
  }

  static List<String> everyRule(List<HasMetadata> objects) {
    var out = new ArrayList<String>();
    all(objects, Role.class).forEach(r -> out.addAll(rules(r.getRules())));
    all(objects, ClusterRole.class).stream().filter(r -> !isMetricsRole(r)).forEach(r -> out.addAll(rules(r.getRules())));
    return out;
  }

  static String egress(NetworkPolicyEgressRule rule) {
    String to = rule.getTo() == null || rule.getTo().isEmpty()
        ? "any"
        : rule.getTo().stream().map(peer -> peer.getIpBlock().getCidr()).toList().toString();
    String ports = rule.getPorts().stream()
        .map(p -> p.getPort().getIntVal() + "/" + p.getProtocol())
        .collect(Collectors.toList())
        .toString();
    return "to=" + to + " ports=" + ports;
  }

  /** Paths of fields the Fabric8 model kept as additional properties, anywhere under value. */
  static List<String> unknownFields(Object value, String path) {
    var unknown = new ArrayList<String>();
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, item) -> unknown.addAll(unknownFields(item, path + "." + key)));
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        unknown.addAll(unknownFields(list.get(i), path + "[" + i + "]"));
      }
    } else if (value != null
        && value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      for (var getter : value.getClass().getMethods()) {
        if (getter.getParameterCount() != 0 || getter.getDeclaringClass() == Object.class
            || !getter.getName().startsWith("get")) {
          continue;
        }
        Object field;
        try {
          field = getter.invoke(value);
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
        if (getter.getName().equals("getAdditionalProperties")
            && field instanceof Map<?, ?> extra) {
          extra.keySet().forEach(key -> unknown.add(path + "." + key));
        } else {
          unknown.addAll(unknownFields(field, path + "." + getter.getName().substring(3)));
        }
      }
    }
    return unknown;
  }

  static String[] concat(String[]... parts) {
    return Stream.of(parts).flatMap(Stream::of).toArray(String[]::new);
  }

  static List<String> concat(List<String> list, String extra) {
    var out = new ArrayList<>(list);
    out.add(extra);
    return out;
  }

  static String locateHelm() {
    String fromEnv = System.getenv("HELM");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv;
    }
    Path tools = REPO.resolve(Path.of(".tools", "bin", "helm"));
    if (Files.isExecutable(tools)) {
      return tools.toString();
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, "helm");
        if (Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    return null;
  }
}
