/**
 * An embedded Kubernetes API server for the laptop demo: {@link dev.imagebuilder.operator.demo.kube.EmbeddedKubernetes}.
 *
 * <p>Storage is the Fabric8 CRUD mock ({@code KubernetesCrudDispatcher} from kubernetes-server-mock 7.5.2); the rest
 * is a thin layer that makes real kubectl (tested with 1.33) and the Fabric8 client treat it like a cluster:
 * <ul>
 * <li>{@code ApiServer} - plain-HTTP Vert.x front (the mock's MockWebServer cannot stream watch responses),
 * {@code /version}, health, error Status bodies, list kinds, set-based label selectors;</li>
 * <li>{@code Discovery}, {@code OpenApi}, {@code TablePrinter} (+ {@code JsonPath}) - derived from built-in kinds and
 * the stored CustomResourceDefinitions on every request;</li>
 * <li>{@code Store} - write semantics (RFC 7386 merge patch, strategic/apply patches approximated, CRD and namespace
 * status, generateName); {@code GarbageCollector} - ownerReference/namespace/CRD cascades;</li>
 * <li>{@code WatchStream} - WebSocket and chunked-HTTP watches with selector, resourceVersion and Table handling;
 * {@code Protobuf} - the request bodies of {@code kubectl create namespace|configmap|secret}.</li>
 * </ul>
 * Not provided: authentication/authorization (any token is accepted), admission and schema validation, defaulting
 * from CRD schemas, managedFields and true server-side-apply field ownership, pods/log/exec/port-forward, aggregated
 * discovery, CRD version conversion, field selectors beyond {@code metadata.name}/{@code metadata.namespace}.
 */
package dev.imagebuilder.operator.demo.kube;
