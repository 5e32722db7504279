# `sam build` calls build-BatchRunnerFunction (template.yaml: Metadata BuildMethod makefile).
# It deploys exactly the shaded and shrunk jar that `mvn package` builds in the function module; Lambda's
# Java runtime puts /var/task/lib/*.jar on the classpath.
build-BatchRunnerFunction:
	mvn -q -B package -pl function -am -DskipTests -Dspotless.check.skip=true -Djacoco.skip=true
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp function/target/batch-runner.jar "$(ARTIFACTS_DIR)/lib/"

.PHONY: build-BatchRunnerFunction
