package dev.imagebuilder.operator.api;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code x-kubernetes-validations} rules of a generated CRD, evaluated with Google's CEL for
 * Java as the API server evaluates them with cel-go: each rule with {@code self} bound to the
 * value at the rule's place in the object, and skipped where the object has no value there.
 * {@code self} is typed after the schema, so a rule that would not compile against the CRD (a
 * function the API server lacks, a string compared with a number) does not compile here either.
 *
 * <p>Not modelled: transition rules ({@code oldSelf}; the CRDs have none, which
 * CrdValidationRulesTest checks), defaulting, and the schema's own checks (patterns, bounds,
 * enums), which the API server applies before it evaluates the rules.
 */
public final class CrdRules {

  /** One rule, at {@code path}: {@code spec.interval}, or {@code spec.list[*]} for each item. */
  public record Rule(String path, ValidationRule rule, JSONSchemaProps schema) {}

  /** What the API server answers for a failed rule: the field, and the rule's message. */
  public record Refusal(String field, String message) {
    @Override
    public String toString() {
      return field + ": " + message;
    }
  }

  private final List<Rule> rules = new ArrayList<>();
  private final Map<JSONSchemaProps, List<Compiled>> compiled = new IdentityHashMap<>();
  private final JSONSchemaProps root;

  private record Compiled(ValidationRule rule, Cel cel, CelAbstractSyntaxTree check, CelAbstractSyntaxTree message) {}

  private CrdRules(JSONSchemaProps root) {
    this.root = root;
    collect("", root);
  }

  /** The rules of the only version of the CRD in {@code file}, each compiled. */
  public static CrdRules of(Path file) throws IOException {
    var crd = new KubernetesSerialization().unmarshal(Files.readString(file), CustomResourceDefinition.class);
    return new CrdRules(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema());
  }

  public List<Rule> rules() {
    return List.copyOf(rules);
  }

  /** Every rule the object breaks, in schema order; empty when the API server admits it. */
  public List<Refusal> refusals(Map<String, Object> object) {
    List<Refusal> refusals = new ArrayList<>();
    evaluate(root, "", object, refusals);
    return refusals;
  }

  private void collect(String path, JSONSchemaProps schema) {
    if (schema.getXKubernetesValidations() != null && !schema.getXKubernetesValidations().isEmpty()) {
      List<Compiled> list = new ArrayList<>();
      for (ValidationRule rule : schema.getXKubernetesValidations()) {
        rules.add(new Rule(path, rule, schema));
        list.add(compile(path, rule, type(schema)));
      }
      compiled.put(schema, list);
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((name, child) -> collect(path.isEmpty() ? name : path + "." + name, child));
    }
    if (schema.getItems() != null && schema.getItems().getSchema() != null) {
      collect(path + "[*]", schema.getItems().getSchema());
    }
  }

  private static Compiled compile(String path, ValidationRule rule, CelType selfType) {
    Cel cel =
        CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", selfType)
            .build();
    try {
      var check = cel.compile(rule.getRule()).getAst();
      if (!check.getResultType().equals(SimpleType.BOOL)) {
        throw new IllegalStateException(path + ": rule is " + check.getResultType() + ", not bool: " + rule.getRule());
      }
      CelAbstractSyntaxTree message = null;
      if (rule.getMessageExpression() != null && !rule.getMessageExpression().isEmpty()) {
        message = cel.compile(rule.getMessageExpression()).getAst();
        if (!message.getResultType().equals(SimpleType.STRING)) {
          throw new IllegalStateException(path + ": messageExpression is " + message.getResultType() + ", not string");
        }
      }
      return new Compiled(rule, cel, check, message);
    } catch (CelValidationException e) {
      throw new IllegalStateException(path + ": " + e.getMessage(), e);
    }
  }

  /** The CEL type the API server gives a value of this schema (objects approximated as maps). */
  private static CelType type(JSONSchemaProps schema) {
    return switch (schema.getType() == null ? "" : schema.getType()) {
      case "string" -> SimpleType.STRING;
      case "integer" -> SimpleType.INT;
      case "number" -> SimpleType.DOUBLE;
      case "boolean" -> SimpleType.BOOL;
      case "array" -> ListType.create(type(schema.getItems().getSchema()));
      case "object" -> MapType.create(SimpleType.STRING, SimpleType.DYN);
      default -> SimpleType.DYN;
    };
  }

  private void evaluate(JSONSchemaProps schema, String field, Object value, List<Refusal> refusals) {
    if (value == null) {
      return;
    }
    Object self = celValue(value);
    for (Compiled rule : compiled.getOrDefault(schema, List.of())) {
      refusals.addAll(check(rule, field, self));
    }
    if (value instanceof Map<?, ?> map && schema.getProperties() != null) {
      schema.getProperties().forEach(
          (name, child) -> evaluate(child, field.isEmpty() ? name : field + "." + name, map.get(name), refusals));
    }
    if (value instanceof List<?> list && schema.getItems() != null && schema.getItems().getSchema() != null) {
      for (int i = 0; i < list.size(); i++) {
        evaluate(schema.getItems().getSchema(), field + "[" + i + "]", list.get(i), refusals);
      }
    }
  }

  private static List<Refusal> check(Compiled rule, String field, Object self) {
    Map<String, Object> vars = Map.of("self", self);
    try {
      if (Boolean.TRUE.equals(rule.cel().createProgram(rule.check()).eval(vars))) {
        return List.of();
      }
    } catch (CelEvaluationException e) {
      // The API server refuses the object too, with the error in place of the message.
      return List.of(new Refusal(field, "evaluation error: " + e.getMessage()));
    }
    return List.of(new Refusal(field, message(rule, vars)));
  }

  /** The messageExpression's text; the message when it has none or it fails, as on the API server. */
  private static String message(Compiled rule, Map<String, Object> vars) {
    if (rule.message() != null) {
      try {
        String text = (String) rule.cel().createProgram(rule.message()).eval(vars);
        if (!text.isBlank()) {
          return text;
        }
      } catch (CelEvaluationException e) {
        // falls back below
      }
    }
    String message = rule.rule().getMessage();
    return message == null || message.isEmpty() ? "failed rule: " + rule.rule().getRule() : message;
  }

  /** JSON values as CEL holds them: every integer an int64. */
  private static Object celValue(Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(CrdRules::celValue).toList();
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> converted = new LinkedHashMap<>();
      map.forEach(
          (k, v) -> {
            if (v != null) {
              converted.put(k, celValue(v));
            }
          });
      return converted;
    }
    return value;
  }
}
