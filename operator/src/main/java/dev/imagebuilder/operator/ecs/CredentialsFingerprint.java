package dev.imagebuilder.operator.ecs;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Names a set of credentials without revealing it: HMAC-SHA256 under a key drawn at random when
 * the process starts, so the name cannot be computed outside it, and two sets share a name only
 * when all of their values are equal.
 */
final class CredentialsFingerprint {

  private final SecretKeySpec key;

  CredentialsFingerprint() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    key = new SecretKeySpec(bytes, "HmacSHA256");
  }

  String of(String accessKeyId, String accessKeySecret, String securityToken) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      for (String part : new String[] {accessKeyId, accessKeySecret, securityToken}) {
        // Length-prefixed, so no two different triples give the same input.
        byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
        mac.update(new byte[] {(byte) (part == null ? 0 : 1)});
        mac.update(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
        mac.update(bytes);
      }
      return HexFormat.of().formatHex(mac.doFinal(), 0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
