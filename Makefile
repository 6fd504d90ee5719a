# ECS image pipeline operator. `make help` lists the targets.
MVN ?= mvn -B -ntp
JAR := operator/target/image-pipeline-operator.jar
DEMO_JAR := operator/demo/target/image-pipeline-operator-demo.jar

.PHONY: help build test crds run tools image e2e argocd-cm bench clean release

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: $(JAR) $(DEMO_JAR) ## Build the operator's runnable jar (and the demo's)

$(JAR) $(DEMO_JAR) &: pom.xml operator/pom.xml operator/*/pom.xml $(shell find operator/src/main operator/*/src/main -type f)
	$(MVN) -q -DskipTests package

test: ## Run the unit and mock-server tests
	$(MVN) test

run: build ## The demo: embedded Kubernetes API, live ECS simulator and the operator, until Ctrl-C
	@bash .ci/tools.sh >/dev/null 2>&1 || echo "(kubectl could not be fetched into .tools/bin; use your own)"
	DEMO_KUBECONFIG=$(CURDIR)/target/demo/kubeconfig DEMO_LOG=$(CURDIR)/target/demo/operator.log java -jar $(DEMO_JAR)

# The image, named as the chart's default values name it (repository:appVersion).
IMAGE_VERSION := $(shell sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' helm/image-pipeline-operator/Chart.yaml)
IMAGE ?= image-pipeline-operator:$(IMAGE_VERSION)
# Empty: a Debian 12 + OpenJDK 17 JRE base built from Debian's packages (.ci/base-image.sh,
# cached), for machines that reach no registry. Or a registry image, e.g. eclipse-temurin:17-jre.
IMAGE_BASE ?=
IMAGE_TAR := operator/target/image-pipeline-operator-image.tar
# What the image was built from, for ImageIT to build it again and compare the digests.
IMAGE_INPUTS := operator/target/image-pipeline-operator-image.inputs

# Jib runs alone, after the package, as ImageIT builds the image again: in one invocation with
# the package, the test scope resolved first would reorder the image's classpath file.
image: ## Build the operator's OCI image as operator/target/image-pipeline-operator-image.tar (Jib, no Docker)
	@base='$(IMAGE_BASE)'; \
	if [ -z "$$base" ]; then base=tar://$$(bash .ci/base-image.sh build) || exit 1; fi; \
	revision=$$(git rev-parse HEAD 2>/dev/null || echo unknown); \
	source=$$(git remote get-url origin 2>/dev/null || echo unknown); \
	echo "image $(IMAGE) on $$base"; \
	$(MVN) -q -pl operator -am -DskipTests package && \
	$(MVN) -q -pl operator jib:buildTar -Djib.console=plain \
	  -Dimage.base="$$base" -Dimage.name='$(IMAGE)' -Dimage.version='$(IMAGE_VERSION)' \
	  -Dimage.revision="$$revision" -Dimage.source="$$source" && \
	printf '%s\n' "image.base=$$base" 'image.name=$(IMAGE)' 'image.version=$(IMAGE_VERSION)' \
	  "image.revision=$$revision" "image.source=$$source" >$(IMAGE_INPUTS)
	@echo "$(IMAGE_TAR): $$(du -h $(IMAGE_TAR) | cut -f1), $$(cat operator/target/image-pipeline-operator-image.digest)"

tools: ## Fetch the pinned kubectl and helm into .tools/bin
	bash .ci/tools.sh

# ARGOCD_FORMAT=helm: values of the argo-cd Helm chart (configs.cm); operator: argocd-operator's
# ArgoCD spec (resourceHealthChecks, resourceActions).
ARGOCD_FORMAT ?= argocd-cm

argocd-cm: ## Print the Argo CD health checks and actions for argocd-cm (ARGOCD_FORMAT=helm|operator)
	@bash .ci/argocd-cm.sh --format $(ARGOCD_FORMAT)

crds: ## Regenerate crds/ and the Helm chart's CRD templates from the Java types
	$(MVN) test -Dtest=CrdsTest -Dcrds.update=true -Dsurefire.failIfNoSpecifiedTests=false

# VERSION=x.y.z first sets that version in the poms, the chart and CHANGELOG.md (.ci/set-version.sh);
# the image is then built anew, so its tag and labels say it too.
release: ## Write dist/: chart, image (OCI archive + digest), jar, CRDs, Argo CD config, SBOMs, SHA256SUMS
	@if [ -n "$(VERSION)" ]; then bash .ci/set-version.sh $(VERSION); fi
	$(MAKE) --no-print-directory image
	bash .ci/tools.sh >/dev/null
	bash .ci/release.sh

# The end-to-end tier: a real control plane (etcd, kube-apiserver, kube-controller-manager) of
# KUBE_VERSION, built once from the Go module proxy into ~/.cache and started for the length of
# the run, with a node (kubelet, kube-proxy, kube-scheduler of the same version; containerd; see
# .ci/kube-node.sh) that runs the image as pods of the chart, for PodInstallIT. The node needs
# root (network namespace, cgroups), so it is on by default only for root; E2E_NODE=0 leaves it
# out, and PodInstallIT then skips itself. The tests drive the cluster with the kubectl of
# KUBE_VERSION. The supported versions are listed in the README; KUBE_VERSION=v1.35.4 runs the
# tier on the oldest.
KUBE_VERSION ?= v1.37.2
E2E_DIR ?= $(CURDIR)/operator/target/e2e-cluster
E2E_NODE ?= $(if $(filter 0,$(shell id -u)),1,0)
# IT classes to run (Maven's -Dit.test), e.g. E2E_TESTS='OperatorOnRealApiServerIT,UserRolesIT'; to leave
# some out, start with all of them: E2E_TESTS='*IT,!PodInstallIT'.
E2E_TESTS ?=
E2E_KUBE := KUBE_VERSION=$(KUBE_VERSION) KUBE_NODE=$(E2E_NODE)

e2e: ## Run the jar and, on a node, the image as pods of the chart on a real cluster (KUBE_VERSION=v1.x.y)
	bash .ci/tools.sh
	$(E2E_KUBE) bash .ci/kube.sh build
	@if [ "$(E2E_NODE)" = 1 ]; then $(MAKE) --no-print-directory image; else $(MVN) -q -DskipTests package; fi
	@# The tests install the chart package a release ships, not the chart directory.
	DIST=$(E2E_DIR)/dist RELEASE_IMAGE=$(E2E_NODE) bash .ci/release.sh >/dev/null
	@# A fresh garbage collector knows every CRD at once; a running one learns of new ones on a rescan.
	set -e; trap '$(E2E_KUBE) bash .ci/kube.sh stop $(E2E_DIR)' EXIT; \
	  kubectl=$$($(E2E_KUBE) bash .ci/kube.sh kubectl); \
	  $(E2E_KUBE) KUBE_NODE_IMAGES=$(CURDIR)/$(IMAGE_TAR) bash .ci/kube.sh start $(E2E_DIR); \
	  KUBECTL=$$kubectl KUBECONFIG=$(E2E_DIR)/kubeconfig bash .ci/kube-selftest.sh $(E2E_DIR) >$(E2E_DIR)/selftest.log \
	    || { cat $(E2E_DIR)/selftest.log; exit 1; }; tail -n 1 $(E2E_DIR)/selftest.log; \
	  $$kubectl --kubeconfig=$(E2E_DIR)/kubeconfig apply --server-side -f crds/ >/dev/null; \
	  $$kubectl --kubeconfig=$(E2E_DIR)/kubeconfig wait --for=condition=Established crd --all --timeout=60s >/dev/null; \
	  $(E2E_KUBE) bash .ci/kube.sh restart-controllers $(E2E_DIR); \
	  E2E_KUBECONFIG=$(E2E_DIR)/kubeconfig KUBECTL=$$kubectl \
	  E2E_IMAGE_INPUTS=$$([ "$(E2E_NODE)" = 1 ] && echo $(CURDIR)/$(IMAGE_INPUTS)) \
	  E2E_CHART=$$(ls $(E2E_DIR)/dist/image-pipeline-operator-*.tgz) \
	  $(MVN) verify -DskipITs=false -DskipUnitTests=true $(if $(E2E_TESTS),-Dit.test='$(E2E_TESTS)' -Dfailsafe.failIfNoSpecifiedTests=false)

# The benchmark (operator/bench): the built jar against the ECS simulator and an API server; writes
# docs/benchmarks.md. BENCH_SIZES=1000,10000 shortens it; E2E_KUBECONFIG=... adds a real kube-apiserver column
# (about an hour more: start that cluster with KUBE_MAX_LIFETIME=7200).
bench: build ## Run the benchmark (about 15 minutes) and write docs/benchmarks.md
	bash .ci/tools.sh
	$(MVN) -q -pl operator/bench -am compile exec:exec@bench

clean: ## Remove build output
	$(MVN) clean
