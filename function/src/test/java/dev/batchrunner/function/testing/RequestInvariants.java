package dev.batchrunner.function.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import dev.batchrunner.core.catalog.ParameterSpec;
import dev.batchrunner.core.request.RequestRejectedException;
import dev.batchrunner.core.request.TaskLaunch;
import dev.batchrunner.core.request.TaskLaunchFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What must hold for any input, however hostile: a launch that ECS accepts and that carries only
 * what the catalog declares, or a rejection that names the field in a short, printable message.
 */
public final class RequestInvariants {
  /** The environment names a request must never be able to set (the contract's list). */
  public static final Set<String> RESERVED_ENV_NAMES =
      Set.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "PATH", "HOME");

  public static final List<String> RESERVED_ENV_PREFIXES = List.of("AWS_", "ECS_", "LD_");

  public static final int MAX_FIELD_LENGTH = 200;
  public static final int MAX_MESSAGE_LENGTH = 1000;

  private static final Pattern CLIENT_TOKEN = Pattern.compile("[0-9a-f]{64}");

  /** ECS tag values: letters, digits, spaces and + - = . _ : / @, at most 256 characters. */
  private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{N} +\\-=._:/@]{1,256}");

  private RequestInvariants() {}

  /** Whether {@code name} is reserved in any case (AWS_*, ECS_*, LD_*, PATH, HOME, JVM options). */
  public static boolean isReservedEnvName(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return RESERVED_ENV_NAMES.contains(upper)
        || RESERVED_ENV_PREFIXES.stream().anyMatch(upper::startsWith);
  }

  /** Asserts that {@code launch} fits ECS's limits and sets only what the catalog declares. */
  public static void assertWithinLimits(BatchCatalog catalog, TaskLaunch launch) {
    BatchDefinition batch =
        catalog
            .find(launch.batchTypeId())
            .orElseGet(() -> fail("launch for a batch type the catalog lacks: " + launch));
    assertTrue(batch.enabled(), "launch for disabled batch type " + batch.id());
    assertEquals(batch.placement().cluster(), launch.placement().cluster(), "cluster");
    assertEquals(batch.taskDefinition(), launch.taskDefinition(), "taskDefinition");
    assertEquals(batch.container().name(), launch.container().name(), "containerName");
    assertEquals(TaskLaunchFactory.STARTED_BY, launch.startedBy(), "startedBy");

    int overrides = TaskLaunchFactory.overridesLength(launch);
    assertTrue(
        overrides <= TaskLaunchFactory.ECS_OVERRIDES_LIMIT,
        "overrides are " + overrides + " characters, over ECS's limit");
    assertTrue(
        CLIENT_TOKEN.matcher(launch.clientToken()).matches(),
        "clientToken must be 64 lowercase hex: " + launch.clientToken());

    Map<String, String> env = launch.container().environment();
    Set<String> declared = new HashSet<>(batch.container().environment().keySet());
    batch.parameters().values().forEach(spec -> declared.add(spec.env()));
    declared.add(batch.container().traceIdEnv());
    declared.add(TaskLaunchFactory.ENV_BATCH_TYPE_ID);
    declared.add(TaskLaunchFactory.ENV_IDEMPOTENCY_KEY);
    for (String name : env.keySet()) {
      assertTrue(declared.contains(name), "environment " + name + " is not declared");
      assertFalse(isReservedEnvName(name), "environment " + name + " is reserved");
    }
    assertEquals(batch.id(), env.get(TaskLaunchFactory.ENV_BATCH_TYPE_ID), "BATCH_TYPE_ID");
    assertEquals(
        batch.id() + "#" + launch.clientToken(),
        env.get(TaskLaunchFactory.ENV_IDEMPOTENCY_KEY),
        "IDEMPOTENCY_KEY");
    batch
        .container()
        .environment()
        .forEach((name, value) -> assertEquals(value, env.get(name), "catalog env " + name));
    String traceId = env.get(batch.container().traceIdEnv());
    assertNotNull(traceId, "trace id env " + batch.container().traceIdEnv());

    for (ParameterSpec spec : batch.parameters().values()) {
      String value = env.get(spec.env());
      if (value == null) {
        assertFalse(spec.required(), "required parameter " + spec.name() + " missing");
        assertNull(spec.defaultValue(), "default of " + spec.name() + " not applied");
        continue;
      }
      assertPrintable(value, "parameter " + spec.name());
      if (spec.maxLength() != null) {
        assertTrue(
            value.length() <= spec.maxLength(), spec.name() + " over maxLength: " + value.length());
      }
      if (spec.pattern() != null) {
        assertTrue(spec.pattern().matcher(value).matches(), spec.name() + " fails its pattern");
      }
    }

    assertEquals(
        Set.of(TaskLaunchFactory.TAG_BATCH_TYPE, TaskLaunchFactory.TAG_TRACE_ID),
        launch.tags().keySet(),
        "tags");
    launch
        .tags()
        .forEach(
            (key, value) ->
                assertTrue(TAG_VALUE.matcher(value).matches(), "tag " + key + " value " + value));
    assertEquals(batch.id(), launch.tags().get(TaskLaunchFactory.TAG_BATCH_TYPE), "batch tag");
    assertEquals(traceId, launch.tags().get(TaskLaunchFactory.TAG_TRACE_ID), "trace tag");

    if (batch.container().command() == null) {
      assertNull(launch.container().command(), "command without a catalog command");
    } else {
      assertEquals(
          batch.container().command().size(), launch.container().command().size(), "argv length");
      launch.container().command().forEach(arg -> assertPrintable(arg, "command argument"));
    }
  }

  /**
   * Asserts that a rejection names a short field and says why in one short, printable line that
   * starts with that field.
   */
  public static void assertWellFormed(RequestRejectedException e) {
    assertNotNull(e.rejection(), "rejection");
    String field = e.rejection().field();
    String message = e.getMessage();
    assertNotNull(field, "field");
    assertFalse(field.isEmpty(), "field is empty: " + preview(message));
    assertTrue(
        field.length() < MAX_FIELD_LENGTH,
        "field is " + field.length() + " characters: " + preview(field));
    assertNotNull(message, "message");
    assertTrue(
        message.startsWith(field + ": "),
        "message does not start with its field: " + preview(message));
    assertTrue(
        message.length() < MAX_MESSAGE_LENGTH,
        "message is " + message.length() + " characters: " + preview(message));
    assertTrue(
        message.chars().noneMatch(Character::isISOControl),
        "message has raw control characters: " + preview(message));
  }

  /** The first 200 characters with control characters shown as \\uXXXX, for failure messages. */
  public static String preview(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(text.length(), 200); i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c);
    }
    return text.length() > 200 ? out + "… (" + text.length() + " chars)" : out.toString();
  }

  /** No NUL or other control character but tab and line ends, and well-formed UTF-16. */
  private static void assertPrintable(String value, String what) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      assertFalse(
          Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r',
          what + " carries control character " + String.format("U+%04X", (int) c));
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else {
        assertFalse(
            Character.isSurrogate(c),
            what + " carries unpaired surrogate " + String.format("U+%04X", (int) c));
      }
    }
  }
}
