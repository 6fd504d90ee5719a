package dev.imagebuilder.operator.reconciler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which namespaces may poll which pipelines with the operator's own ECS credentials, as an
 * administrator granted them in the chart ({@code ownCredentials.grants}). The operator's account
 * may see every pipeline, and a pipeline ID is an identifier, not a secret: without a grant, any
 * namespace that learns another's pipeline ID could mirror it. Nothing a tenant sets on a watch
 * (labels, annotations, spec) widens a grant. Watches with their own credentials Secret need none.
 *
 * <p>Grants are read once, when the operator starts; a changed grant takes effect on the restart
 * that the chart's rollout gives, and every watch is evaluated again then.
 *
 * @param byNamespace pipeline IDs granted to each namespace; {@value #ALL} grants every pipeline
 */
public record OwnCredentialGrants(Map<String, Set<String>> byNamespace) {

  /** A pipeline entry that grants every pipeline to its namespace. */
  public static final String ALL = "*";

  /** Where administrators set grants, named in messages to tenants. */
  public static final String CHART_VALUE = "ownCredentials.grants";

  /** The default: no namespace may use the operator's own credentials. */
  public static final OwnCredentialGrants NONE = new OwnCredentialGrants(Map.of());

  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  private static final int MAX_PIPELINE_ID = 256;

  public OwnCredentialGrants {
    Map<String, Set<String>> copy = new LinkedHashMap<>();
    byNamespace.forEach((namespace, pipelines) -> copy.put(namespace, Set.copyOf(pipelines)));
    byNamespace = Map.copyOf(copy);
  }

  /**
   * Whether a watch in {@code namespace} may poll {@code pipelineId} with the operator's own
   * credentials:
   *
   * <ul>
   *   <li>no grant names the namespace: no;
   *   <li>a grant of the namespace lists {@value #ALL}: yes, any pipeline;
   *   <li>a grant of the namespace lists the pipeline ID, exactly (case and all): yes;
   *   <li>otherwise, including a blank or missing pipeline ID: no.
   * </ul>
   */
  public boolean allows(String namespace, String pipelineId) {
    Set<String> pipelines = namespace == null ? null : byNamespace.get(namespace);
    if (pipelines == null) {
      return false;
    }
    return pipelines.contains(ALL) || (pipelineId != null && !pipelineId.isBlank() && pipelines.contains(pipelineId));
  }

  /** What an ungranted watch says: exactly what to ask an administrator for, or the alternative. */
  public static String refusal(String namespace, String pipelineId) {
    return "the operator's own ECS credentials are not granted to namespace " + namespace + " for pipeline " + pipelineId
        + "; ask a cluster administrator to add {\"namespace\":\"" + namespace + "\",\"pipelines\":[\"" + pipelineId
        + "\"]} to the chart value " + CHART_VALUE + " (read when the operator starts), or give this watch its own "
        + "credentials with spec.credentialsSecretRef";
  }

  /**
   * Reads grants from JSON, as the chart passes them: a list of {@code {"namespace": "team-a",
   * "pipelines": ["ip-1", "*"]}}. An empty or missing value grants nothing. Anything else that is
   * not exactly this shape is refused with a message naming {@code variable}, so that a typo never
   * silently grants nothing (or more).
   */
  public static OwnCredentialGrants parse(String variable, String json) {
    if (json == null || json.isBlank()) {
      return NONE;
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw invalid(variable, "is not valid JSON (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
    if (root == null || root.isNull()) {
      return NONE;
    }
    if (!root.isArray()) {
      throw invalid(variable, "must be a JSON list of {\"namespace\": ..., \"pipelines\": [...]}");
    }
    Map<String, Set<String>> grants = new LinkedHashMap<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode grant = root.get(i);
      String at = "entry " + i;
      if (!grant.isObject()) {
        throw invalid(variable, at + " must be an object with namespace and pipelines");
      }
      for (Iterator<String> keys = grant.fieldNames(); keys.hasNext(); ) {
        String key = keys.next();
        if (!key.equals("namespace") && !key.equals("pipelines")) {
          throw invalid(variable, at + " has an unknown key '" + cut(key) + "'; only namespace and pipelines are allowed");
        }
      }
      JsonNode namespace = grant.get("namespace");
      if (namespace == null || !namespace.isTextual() || !DNS_LABEL.matcher(namespace.asText()).matches()) {
        throw invalid(variable, at + " needs a namespace that is a DNS label such as team-a"
            + (namespace == null ? "" : ", not " + cut(namespace.toString())));
      }
      JsonNode pipelines = grant.get("pipelines");
      if (pipelines == null || !pipelines.isArray() || pipelines.isEmpty()) {
        throw invalid(variable, at + " (namespace " + namespace.asText() + ") needs pipelines, a non-empty list of pipeline IDs or \"*\"");
      }
      List<String> ids = new ArrayList<>();
      for (JsonNode id : pipelines) {
        if (!id.isTextual() || id.asText().isBlank() || id.asText().length() > MAX_PIPELINE_ID || !id.asText().equals(id.asText().strip())) {
          throw invalid(variable, at + " (namespace " + namespace.asText() + ") has a pipeline that is not a pipeline ID or \"*\": "
              + cut(id.toString()));
        }
        ids.add(id.asText());
      }
      grants.computeIfAbsent(namespace.asText(), n -> new LinkedHashSet<>()).addAll(ids);
    }
    return new OwnCredentialGrants(grants);
  }

  private static IllegalArgumentException invalid(String variable, String why) {
    return new IllegalArgumentException(variable + " " + why + " (the chart value " + CHART_VALUE + ")");
  }

  private static String cut(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
