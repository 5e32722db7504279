package dev.batchrunner.function.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.request.ContainerOverride;
import dev.batchrunner.core.request.IdempotencyKey;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import dev.batchrunner.core.text.SafeText;
import dev.batchrunner.function.testing.Processors;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskLaunchTest {
  private final BatchDefinition invoices =
      Processors.catalog().find("invoice-export").orElseThrow();
  private final Map<String, String> parameters =
      Map.of("customerId", "C1234567", "accountNumber", "NL91ABNA0417164300", "format", "csv");

  @Test
  void build_whenAParameterIsSensitive_namesItsEnvironmentVariable() {
    TaskLaunch launch = build();

    assertEquals(Set.of("ACCOUNT_NUMBER"), launch.container().sensitiveEnvironment());
    assertEquals("NL91ABNA0417164300", launch.container().environment().get("ACCOUNT_NUMBER"));
  }

  @Test
  void masked_replacesSensitiveValuesOnly() {
    TaskLaunch masked = build().masked();

    assertEquals(SafeText.MASK, masked.container().environment().get("ACCOUNT_NUMBER"));
    assertEquals("C1234567", masked.container().environment().get("CUSTOMER_ID"));
    assertEquals(build().clientToken(), masked.clientToken());
  }

  @Test
  void masked_whenTheValueIsAlsoInTheCommand_masksItThere() {
    TaskLaunch launch = build();
    ContainerOverride container = launch.container();
    TaskLaunch withCommand =
        new TaskLaunch(
            launch.batchTypeId(),
            launch.taskDefinition(),
            launch.placement(),
            new ContainerOverride(
                container.name(),
                container.environment(),
                List.of("export", "--account=NL91ABNA0417164300"),
                container.sensitiveEnvironment()),
            launch.clientToken(),
            launch.tags());

    assertEquals(List.of("export", "--account=****"), withCommand.masked().container().command());
  }

  @Test
  void masked_whenNothingIsSensitive_isTheSameLaunch() {
    BatchDefinition report = Processors.catalog().find("daily-report").orElseThrow();
    Map<String, String> p = Map.of("reportDate", "2026-11-22", "tenant", "acme");
    TaskLaunch launch =
        TaskLaunchFactory.build(report, p, IdempotencyKey.of("daily-report", p, null), "t");

    assertSame(launch, launch.masked());
  }

  private TaskLaunch build() {
    return TaskLaunchFactory.build(
        invoices, parameters, IdempotencyKey.of("invoice-export", parameters, null), "trace");
  }
}
