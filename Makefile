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

crds: ## Regenerate crds/ from the Java types
	$(MVN) test -Dtest=CrdsTest -Dcrds.update=true -Dsurefire.failIfNoSpecifiedTests=false

clean: ## Remove build output
	$(MVN) clean
