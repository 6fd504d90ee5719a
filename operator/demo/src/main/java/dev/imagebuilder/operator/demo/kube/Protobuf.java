package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

/**
 * Decodes the few protobuf request bodies kubectl sends. kubectl's typed clients ({@code kubectl create namespace},
 * {@code create configmap}, {@code create secret}) post {@code application/vnd.kubernetes.protobuf} and client-go
 * has no JSON fallback for that (only for CBOR), while the CRUD mock only reads JSON. This reader knows the
 * {@code k8s\0} envelope ({@code runtime.Unknown}), ObjectMeta and the Namespace, ConfigMap and Secret messages
 * (field numbers from k8s.io/api generated.proto); anything else is refused with 415 by the caller.
 */
final class Protobuf {

  static final String CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
  private static final byte[] MAGIC = { 'k', '8', 's', 0 };

  private final ObjectMapper json;

  Protobuf(ObjectMapper json) {
    this.json = json;
  }

  /** The JSON equivalent of an enveloped protobuf object, or empty for kinds this reader does not know. */
  Optional<ObjectNode> toJson(byte[] body) {
    if (body.length < MAGIC.length) {
      return Optional.empty();
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (body[i] != MAGIC[i]) {
        return Optional.empty();
      }
    }
    Reader unknown = new Reader(body, MAGIC.length, body.length);
    String apiVersion = "";
    String kind = "";
    byte[] raw = new byte[0];
    while (unknown.more()) {
      int tag = unknown.tag();
      if (tag >>> 3 == 1) {
        Reader typeMeta = unknown.message();
        while (typeMeta.more()) {
          int t = typeMeta.tag();
          if (t >>> 3 == 1) {
            apiVersion = typeMeta.string();
          } else if (t >>> 3 == 2) {
            kind = typeMeta.string();
          } else {
            typeMeta.skip(t);
          }
        }
      } else if (tag >>> 3 == 2) {
        raw = unknown.bytes();
      } else {
        unknown.skip(tag);
      }
    }
    if (!apiVersion.equals("v1") || !(kind.equals("Namespace") || kind.equals("ConfigMap") || kind.equals("Secret"))) {
      return Optional.empty();
    }
    ObjectNode object = json.createObjectNode().put("apiVersion", apiVersion).put("kind", kind);
    Reader r = new Reader(raw, 0, raw.length);
    while (r.more()) {
      int tag = r.tag();
      int field = tag >>> 3;
      if (field == 1) {
        object.set("metadata", objectMeta(r.message()));
      } else if (kind.equals("Namespace") && field == 2) {
        Reader spec = r.message();
        while (spec.more()) {
          int t = spec.tag();
          if (t >>> 3 == 1) {
            object.with("spec").withArray("finalizers").add(spec.string());
          } else {
            spec.skip(t);
          }
        }
      } else if (kind.equals("ConfigMap") && field == 2) {
        entry(r.message(), object.with("data"), false);
      } else if (kind.equals("ConfigMap") && field == 3) {
        entry(r.message(), object.with("binaryData"), true);
      } else if (kind.equals("ConfigMap") && field == 4 || kind.equals("Secret") && field == 5) {
        object.put("immutable", r.varint() != 0);
      } else if (kind.equals("Secret") && field == 2) {
        entry(r.message(), object.with("data"), true);
      } else if (kind.equals("Secret") && field == 3) {
        putNonEmpty(object, "type", r.string());
      } else if (kind.equals("Secret") && field == 4) {
        entry(r.message(), object.with("stringData"), false);
      } else {
        r.skip(tag);
      }
    }
    return Optional.of(object);
  }

  private ObjectNode objectMeta(Reader r) {
    ObjectNode meta = json.createObjectNode();
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1:
          putNonEmpty(meta, "name", r.string());
          break;
        case 2:
          putNonEmpty(meta, "generateName", r.string());
          break;
        case 3:
          putNonEmpty(meta, "namespace", r.string());
          break;
        case 5:
          putNonEmpty(meta, "uid", r.string());
          break;
        case 6:
          putNonEmpty(meta, "resourceVersion", r.string());
          break;
        case 7:
          long generation = r.varint();
          if (generation != 0) {
            meta.put("generation", generation);
          }
          break;
        case 8:
          long seconds = 0;
          Reader time = r.message();
          while (time.more()) {
            int t = time.tag();
            if (t >>> 3 == 1) {
              seconds = time.varint();
            } else {
              time.skip(t);
            }
          }
          if (seconds != 0) {
            meta.put("creationTimestamp", Instant.ofEpochSecond(seconds).toString());
          }
          break;
        case 11:
          entry(r.message(), meta.with("labels"), false);
          break;
        case 12:
          entry(r.message(), meta.with("annotations"), false);
          break;
        case 13:
          ObjectNode owner = meta.withArray("ownerReferences").addObject();
          Reader o = r.message();
          while (o.more()) {
            int t = o.tag();
            switch (t >>> 3) {
              case 1 -> owner.put("kind", o.string());
              case 3 -> owner.put("name", o.string());
              case 4 -> owner.put("uid", o.string());
              case 5 -> owner.put("apiVersion", o.string());
              case 6 -> owner.put("controller", o.varint() != 0);
              case 7 -> owner.put("blockOwnerDeletion", o.varint() != 0);
              default -> o.skip(t);
            }
          }
          break;
        case 14:
          meta.withArray("finalizers").add(r.string());
          break;
        default:
          r.skip(tag);
      }
    }
    return meta;
  }

  private static void putNonEmpty(ObjectNode node, String field, String value) {
    if (!value.isEmpty()) {
      node.put(field, value);
    }
  }

  /** One map entry (key = 1, value = 2); bytes values become base64 as in JSON. */
  private static void entry(Reader r, ObjectNode into, boolean bytesValue) {
    String key = "";
    byte[] value = new byte[0];
    while (r.more()) {
      int t = r.tag();
      if (t >>> 3 == 1) {
        key = r.string();
      } else if (t >>> 3 == 2) {
        value = r.bytes();
      } else {
        r.skip(t);
      }
    }
    into.put(key, bytesValue ? Base64.getEncoder().encodeToString(value) : new String(value, StandardCharsets.UTF_8));
  }

  /** Protobuf wire format, just enough of it. */
  private static final class Reader {
    private final byte[] data;
    private int pos;
    private final int end;

    Reader(byte[] data, int from, int to) {
      this.data = data;
      this.pos = from;
      this.end = to;
    }

    boolean more() {
      return pos < end;
    }

    int tag() {
      return (int) varint();
    }

    long varint() {
      long result = 0;
      int shift = 0;
      while (pos < end) {
        byte b = data[pos++];
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
        shift += 7;
      }
      throw new IllegalArgumentException("truncated protobuf varint");
    }

    byte[] bytes() {
      int length = (int) varint();
      if (length < 0 || pos + length > end) {
        throw new IllegalArgumentException("truncated protobuf field");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(length);
      out.write(data, pos, length);
      pos += length;
      return out.toByteArray();
    }

    String string() {
      return new String(bytes(), StandardCharsets.UTF_8);
    }

    Reader message() {
      int length = (int) varint();
      if (length < 0 || pos + length > end) {
        throw new IllegalArgumentException("truncated protobuf message");
      }
      Reader nested = new Reader(data, pos, pos + length);
      pos += length;
      return nested;
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int length = (int) varint(); // read first: "pos += varint()" would add to the stale pos
          pos += length;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("unsupported protobuf wire type " + (tag & 7));
      }
    }
  }
}
