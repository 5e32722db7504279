package dev.batchrunner.cli;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.batchrunner.BatchRunnerHandler;
import dev.batchrunner.aws.ecs.DryRunTaskLauncher;
import dev.batchrunner.core.dispatch.BatchDispatcher;
import dev.batchrunner.function.event.EventParser;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The layers of the README's "Code layout", held on the compiled main classes of every module (this
 * module's test classpath is the one that has them all): dependencies point inward, {@code function
 * -> core <- aws}, {@code cli -> core, aws, function, emulators}.
 */
@AnalyzeClasses(
    packages = "dev.batchrunner",
    importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {
  private static final String CORE = "dev.batchrunner.core..";
  private static final String AWS = "dev.batchrunner.aws..";
  private static final String AWS_SDK_PLUMBING = "dev.batchrunner.aws.sdk..";
  private static final String HANDLER_PACKAGE = "dev.batchrunner";
  private static final String FUNCTION = "dev.batchrunner.function..";
  private static final String STARTUP = "dev.batchrunner.function.startup..";
  private static final String CLI = "dev.batchrunner.cli..";
  private static final String EMULATORS = "dev.batchrunner.emulators..";
  private static final String TESTKIT = "dev.batchrunner.testkit..";

  private static final String FACTORY = "dev\\.batchrunner\\.function\\.FunctionFactory.*";
  private static final String PRIMER = "dev\\.batchrunner\\.function\\.startup\\.Primer.*";

  @ArchTest
  static final ArchRule onlyTheFactory_decidesOnADryRun =
      noClasses()
          .that()
          .haveNameNotMatching(FACTORY)
          .should()
          .callConstructorWhere(target(owner(assignableTo(DryRunTaskLauncher.class))))
          .because(
              "the DRY_RUN switch lives in one place, FunctionFactory, which the handler, the tests"
                  + " and the local runner all assemble the function through");

  @ArchTest
  static final ArchRule onlyTheFactory_buildsThePipeline =
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
          .because(
              "one way to assemble the function: claim and trace ids come from the one RandomIds"
                  + " source that a SnapStart restore reseeds");

  /** Guards the rules below against passing on a partial import (e.g. a module's jar skipped). */
  @ArchTest
  static void import_holdsTheMainClassesOfEveryModule(JavaClasses classes) {
    Set<String> modules =
        classes.stream()
            .map(JavaClass::getPackageName)
            .map(p -> p.equals(HANDLER_PACKAGE) ? "handler" : p.split("\\.")[2])
            .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(
        new TreeSet<>(Set.of("aws", "cli", "core", "emulators", "function", "handler", "testkit")),
        modules);
    assertEquals(
        0,
        classes.stream().filter(c -> c.getPackageName().endsWith(".testing")).count(),
        "test code (e.g. core's test-jar) was imported as main code");
  }

  @ArchTest
  static final ArchRule core_dependsOnlyOnJavaJacksonCoreAndItself =
      classes()
          .that()
          .resideInAPackage(CORE)
          .should()
          .onlyDependOnClassesThat()
          .resideInAnyPackage("java..", "com.fasterxml.jackson.core..", CORE)
          .because(
              "core is the domain (catalog, requests, dispatch, ports): no AWS SDK, Lambda, logging"
                  + " or CRaC type and nothing of aws, function, cli, emulators or testkit, so that"
                  + " the function and the CLI share it and it is tested without any of them");

  @ArchTest
  static final ArchRule adapters_doNotDependOnEachOther =
      slices()
          .matching("dev.batchrunner.aws.(*)..")
          .namingSlices("adapter aws.$1")
          .should()
          .notDependOnEachOther()
          .ignoreDependency(alwaysTrue(), resideInAPackage(AWS_SDK_PLUMBING))
          .because(
              "each adapter (aws.dynamodb, aws.ecs, ...) implements one core port over one AWS"
                  + " service and meets the others only in core; aws.sdk is the shared SDK plumbing"
                  + " every adapter may use, and it uses no adapter");

  @ArchTest
  static final ArchRule aws_dependsOnNoFunctionCliEmulatorsOrTestkit =
      noClasses()
          .that()
          .resideInAPackage(AWS)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              HANDLER_PACKAGE, FUNCTION, CLI, EMULATORS, TESTKIT, "com.amazonaws..", "org.crac..")
          .because(
              "the adapters point inward, to core only: the function and the CLI both assemble"
                  + " them, so they cannot know either, nor the Lambda runtime, nor test support");

  @ArchTest
  static final ArchRule modules_areFreeOfCycles =
      slices()
          .matching("dev.batchrunner.(*)..")
          .namingSlices("module $1")
          .should()
          .beFreeOfCycles()
          .because("the modules form a graph pointing inward: function -> core <- aws, cli -> all");

  @ArchTest
  static final ArchRule packages_areFreeOfCycles =
      slices()
          .matching("dev.batchrunner.(**)")
          .namingSlices("package $1")
          .should()
          .beFreeOfCycles()
          .because(
              "a package is a unit one can read and change on its own only if it does not reach"
                  + " back into a package that depends on it; move the shared piece (a constant, a"
                  + " value) to the package both use, or to the one that owns it");

  @ArchTest
  static final ArchRule startup_isUsedOnlyByTheHandler =
      noClasses()
          .that()
          .resideOutsideOfPackage(STARTUP)
          .and()
          .doNotBelongToAnyOf(BatchRunnerHandler.class)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(STARTUP)
          .because(
              "function.startup holds the Lambda's start-up tricks (priming, SnapStart hooks, the"
                  + " primable HTTP client): only the handler wires them in, so that the CLI and"
                  + " the tests use the function's assembly (FunctionFactory) without them");

  @ArchTest
  static final ArchRule emulators_areUsedOnlyByTheCliAndTestSupport =
      noClasses()
          .that()
          .resideOutsideOfPackages(CLI, EMULATORS, TESTKIT)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(EMULATORS)
          .because(
              "DynamoDB Local and moto are for the local runner and the tests; the Lambda jar"
                  + " (core, aws, function) must not need them");

  @ArchTest
  static final ArchRule emulators_dependOnlyOnCore =
      noClasses()
          .that()
          .resideInAPackage(EMULATORS)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(AWS, HANDLER_PACKAGE, FUNCTION, CLI, TESTKIT)
          .because(
              "the emulators stand in for AWS beside the code under test: they may read the"
                  + " catalog (core), never the adapters, function or CLI they are used to test");

  @ArchTest
  static final ArchRule testkit_isUsedByNoMainCode =
      noClasses()
          .that()
          .resideOutsideOfPackage(TESTKIT)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(TESTKIT)
          .because("the testkit is test support, a test-scope dependency of the modules' tests");

  @ArchTest
  static final ArchRule cli_isUsedByNothingElse =
      noClasses()
          .that()
          .resideOutsideOfPackage(CLI)
          .should()
          .dependOnClassesThat()
          .resideInAPackage(CLI)
          .because(
              "the CLI is the outermost layer: the Lambda jar ships no CLI class, and nothing but"
                  + " the CLI may need one");

  /**
   * Leaves out other modules' test-jars (core's {@code testing/} fakes and fixtures), which Maven
   * puts on the classpath as {@code *-tests.jar} once the module is packaged; {@link
   * ImportOption.DoNotIncludeTests} only recognises {@code test-classes/} folders.
   */
  public static final class NoTestJars implements ImportOption {
    private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar!/.*");

    @Override
    public boolean includes(Location location) {
      return !location.matches(TEST_JAR);
    }
  }
}
