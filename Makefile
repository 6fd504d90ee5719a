# ECS image pipeline operator. `make help` lists the targets.
MVN ?= mvn -B -ntp
JAR := operator/target/image-pipeline-operator.jar

.PHONY: help build test crds run e2e clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: $(JAR) ## Build the operator's runnable jar

$(JAR): pom.xml operator/pom.xml $(shell find operator/src/main -type f)
	$(MVN) -q -DskipTests package

test: ## Run the unit and mock-server tests
	$(MVN) test

crds: ## Regenerate crds/ and the Helm chart's CRD templates from the Java types
	$(MVN) test -Dtest=CrdsTest -Dcrds.update=true -Dsurefire.failIfNoSpecifiedTests=false

# The end-to-end tier: a real kube-apiserver + etcd + garbage collector, built once from
# Debian's sources into ~/.cache and started on loopback for the length of the run.
E2E_DIR ?= $(CURDIR)/operator/target/e2e-cluster

e2e: ## Run the operator jar against a real API server (builds it the first time)
	bash .ci/tools.sh
	bash .ci/kube.sh build
	$(MVN) -q -DskipTests package
	bash .ci/kube.sh start $(E2E_DIR)
	E2E_KUBECONFIG=$(E2E_DIR)/kubeconfig KUBECTL=$(CURDIR)/.tools/bin/kubectl \
	  $(MVN) verify -DskipITs=false -DskipUnitTests=true; \
	  rc=$$?; bash .ci/kube.sh stop $(E2E_DIR); exit $$rc

clean: ## Remove build output
	$(MVN) clean
