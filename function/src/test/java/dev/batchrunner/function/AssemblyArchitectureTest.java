package dev.batchrunner.function;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.function.event.EventParser;
import org.junit.jupiter.api.Test;

/**
 * One way to assemble the function: only {@link FunctionFactory} builds the pipeline and makes the
 * dry-run decision, and it knows nothing of the Lambda's start-up tricks (the local runner uses it
 * without them).
 */
class AssemblyArchitectureTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
          .importPackages("dev.batchrunner");

  private static final String FACTORY = "dev\\.batchrunner\\.function\\.FunctionFactory.*";
  private static final String PRIMER = "dev\\.batchrunner\\.function\\.startup\\.Primer.*";

  @Test
  void factoryAndConfiguration_doNotDependOnTheStartUpTricks() {
    noClasses()
        .that()
        .resideInAPackage("dev.batchrunner.function")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.batchrunner.function.startup..")
        .check(MAIN);
  }

  @Test
  void onlyTheFactory_decidesOnADryRun() {
    noClasses()
        .that()
        .haveNameNotMatching(FACTORY)
        .should()
        .callConstructorWhere(target(owner(assignableTo(DryRunTaskLauncher.class))))
        .check(MAIN);
  }

  @Test
  void onlyTheFactory_buildsThePipeline() {
    // Primer's quiet pipeline draws no ids ("priming" throughout) and is gone before any request.
    noClasses()
        .that()
        .haveNameNotMatching(FACTORY)
        .and()
        .haveNameNotMatching(PRIMER)
        .should()
        .callConstructorWhere(target(owner(assignableTo(BatchDispatcher.class))))
        .orShould()
        .callConstructorWhere(target(owner(assignableTo(EventParser.class))))
        .check(MAIN);
  }
}
