# `sam build` calls build-BatchRunnerFunction (template.yaml: Metadata BuildMethod makefile).
# It deploys exactly the shaded jar that `mvn package` builds; Lambda's Java runtime puts
# /var/task/lib/*.jar on the classpath.
build-BatchRunnerFunction:
	mvn -q -B package -DskipTests -Dspotless.check.skip=true -Djacoco.skip=true
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp target/batch-runner.jar "$(ARTIFACTS_DIR)/lib/"

.PHONY: build-BatchRunnerFunction
