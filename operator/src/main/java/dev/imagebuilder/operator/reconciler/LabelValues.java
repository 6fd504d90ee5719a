package dev.imagebuilder.operator.reconciler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Label values from names that may not fit one: a label value has at most 63 characters, while a
 * watch name may have 253. A value that fits is kept as it is; a longer one keeps its first 52
 * characters and ends in a hash of the whole, so it stays unique and readable.
 */
final class LabelValues {

  static final int MAX = 63;
  private static final Pattern VALID = Pattern.compile("^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$");
  private static final Pattern INVALID_CHARS = Pattern.compile("[^-A-Za-z0-9_.]");
  private static final int HASH_CHARS = 10;

  private LabelValues() {}

  static String of(String value) {
    if (value == null) {
      return "";
    }
    if (value.length() <= MAX && VALID.matcher(value).matches()) {
      return value;
    }
    String cleaned = INVALID_CHARS.matcher(value).replaceAll("-");
    String prefix = cleaned.substring(0, Math.min(cleaned.length(), MAX - HASH_CHARS - 1)).replaceAll("^[^A-Za-z0-9]+", "");
    return (prefix.isEmpty() ? "" : prefix + "-") + hash(value);
  }

  /** An ECS status as a label value: lower case, such as success or test_failed. */
  static String ofStatus(String status) {
    return status == null ? "unknown" : of(status.toLowerCase(Locale.ROOT));
  }

  private static String hash(String value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
