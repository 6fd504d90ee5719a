package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A Secret in the watch's own namespace holding the access key pair for this watch's account. It
 * has no namespace field on purpose: a watch can only use credentials its own namespace holds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CredentialsSecretRef {

  static final String KEY_PATTERN = "^[-._a-zA-Z0-9]+$";

  @Required
  @Size(min = 1, max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the Secret, in the watch's namespace.")
  private String name;

  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Key of the AccessKey ID in the Secret (default access-key-id).")
  @Size(max = 253)
  private String accessKeyIdKey;

  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Key of the AccessKey secret in the Secret (default access-key-secret).")
  @Size(max = 253)
  private String accessKeySecretKey;

  @Pattern(KEY_PATTERN)
  @JsonPropertyDescription("Key of an STS security token in the Secret, if it holds one.")
  @Size(max = 253)
  private String securityTokenKey;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getAccessKeyIdKey() {
    return accessKeyIdKey;
  }

  public void setAccessKeyIdKey(String accessKeyIdKey) {
    this.accessKeyIdKey = accessKeyIdKey;
  }

  public String getAccessKeySecretKey() {
    return accessKeySecretKey;
  }

  public void setAccessKeySecretKey(String accessKeySecretKey) {
    this.accessKeySecretKey = accessKeySecretKey;
  }

  public String getSecurityTokenKey() {
    return securityTokenKey;
  }

  public void setSecurityTokenKey(String securityTokenKey) {
    this.securityTokenKey = securityTokenKey;
  }

  public String accessKeyIdKeyOrDefault() {
    return accessKeyIdKey == null ? "access-key-id" : accessKeyIdKey;
  }

  public String accessKeySecretKeyOrDefault() {
    return accessKeySecretKey == null ? "access-key-secret" : accessKeySecretKey;
  }
}
