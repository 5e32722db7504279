package dev.batchrunner.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.testing.Fixtures;
import dev.batchrunner.testkit.RequiredTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The guard image's Dockerfile, checked for its structure (no image can be built here: there is no
 * Docker daemon): a Maven build stage and a JRE run stage, every file it copies present in the
 * repository (the build context), the jar path the CLI module's build really writes, a non-root
 * user, and an exec-form entrypoint that is the repository's POSIX sh script.
 */
class GuardDockerfileTest {
  private static final Path ROOT = Fixtures.projectRoot();
  private static final Path DOCKERFILE = ROOT.resolve("cli/docker/Dockerfile");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern FROM =
      Pattern.compile("FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);

  /** One instruction, continuation lines joined. */
  private record Instruction(String keyword, String arguments) {}

  /** One stage: its base image, its name, its instructions after FROM. */
  private record Stage(String image, String name, List<Instruction> instructions) {}

  @Test
  void dockerfile_buildsTheCliJarInAMavenStage_andRunsItOnASmallJre() throws IOException {
    List<Stage> stages = stages();

    assertEquals(2, stages.size(), "a build stage and a run stage");
    Stage build = stages.get(0);
    Stage run = stages.get(1);
    assertEquals("build", build.name());
    assertTrue(
        build.image().startsWith("maven:") && build.image().contains("temurin-17"), build.image());
    String mvn = arguments(build, "RUN").get(0);
    assertTrue(mvn.contains("mvn ") && mvn.contains("-pl cli -am package"), mvn);
    assertTrue(run.image().startsWith("eclipse-temurin:17-jre"), run.image());
  }

  @Test
  void dockerfile_copiesOnlyWhatExists_andTheJarTheCliBuildWrites() throws IOException {
    List<Stage> stages = stages();
    Stage run = stages.get(1);

    for (Stage stage : stages) {
      for (String copy : arguments(stage, "COPY")) {
        List<String> parts = List.of(copy.split("\\s+"));
        if (parts.get(0).startsWith("--from=")) {
          assertEquals("--from=build", parts.get(0), "copies only from the build stage");
          continue;
        }
        for (String source : parts.subList(0, parts.size() - 1)) {
          assertTrue(Files.exists(ROOT.resolve(source)), "COPY source missing: " + source);
        }
      }
    }
    String fromBuild =
        arguments(run, "COPY").stream()
            .filter(c -> c.startsWith("--from=build"))
            .findFirst()
            .orElseThrow();
    String jar = fromBuild.split("\\s+")[1];
    String workdir = arguments(stages.get(0), "WORKDIR").get(0);
    String finalName = finalName(ROOT.resolve("cli/pom.xml"));
    assertEquals(workdir + "/cli/target/" + finalName + ".jar", jar);
    String dockerignore = Files.readString(ROOT.resolve(".dockerignore"));
    assertTrue(dockerignore.lines().anyMatch(l -> l.strip().equals("**/target/")), dockerignore);
  }

  @Test
  void dockerfile_runsAsANonRootUser_withTheRepositorysScriptAsExecFormEntrypoint()
      throws Exception {
    Stage run = stages().get(1);

    List<String> users = arguments(run, "USER");
    assertEquals(1, users.size(), users.toString());
    String user = users.get(0).split(":")[0];
    assertFalse(user.equals("0") || user.equalsIgnoreCase("root"), user);
    int userIndex = index(run, "USER");
    assertTrue(userIndex > index(run, "RUN"), "USER comes after the last RUN that needs root");

    List<String> entrypoints = arguments(run, "ENTRYPOINT");
    assertEquals(1, entrypoints.size());
    JsonNode exec = JSON.readTree(entrypoints.get(0));
    assertTrue(exec.isArray() && exec.size() == 1, "exec form, no shell: " + exec);
    String path = exec.get(0).asText();
    String source =
        arguments(run, "COPY").stream()
            .map(c -> c.split("\\s+"))
            .filter(p -> p.length == 2 && p[1].equals(path))
            .map(p -> p[0])
            .findFirst()
            .orElseThrow(() -> new AssertionError("no COPY puts " + path + " in the image"));
    Path script = ROOT.resolve(source);
    assertTrue(Files.isExecutable(script), script + " is executable");
    assertTrue(Files.readString(script).startsWith("#!/bin/sh\n"), "a POSIX sh script");
    assertTrue(
        arguments(run, "RUN").stream().anyMatch(r -> r.contains("chmod 0755 " + path)),
        "the image keeps it executable");
    assertEquals(
        List.of("BATCH_RUNNER_JAR=/opt/batch-runner/batch-runner-cli.jar"), arguments(run, "ENV"));
  }

  @Test
  void entrypointScript_isValidPosixSh() throws Exception {
    RequiredTool.require(Files.isExecutable(Path.of("/bin/sh")), "needs a POSIX /bin/sh");
    Process check =
        new ProcessBuilder(
                "/bin/sh", "-n", ROOT.resolve("cli/docker/batch-runner-guard").toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(check.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, check.exitValue(), output);
    String text =
        String.join(
            "\n",
            Files.readString(ROOT.resolve("cli/docker/batch-runner-guard"))
                .lines()
                .filter(l -> !l.strip().startsWith("#"))
                .toList());
    for (String bashism : List.of("[[", "function ", "local ", "$'", "<<<", "source ")) {
      assertFalse(text.contains(bashism), "not POSIX sh: " + bashism);
    }
  }

  // --- a small Dockerfile reader -------------------------------------------------------------

  private static List<Stage> stages() throws IOException {
    List<Stage> stages = new ArrayList<>();
    for (Instruction instruction : instructions(Files.readString(DOCKERFILE))) {
      if (instruction.keyword().equals("FROM")) {
        Matcher m = FROM.matcher("FROM " + instruction.arguments());
        assertTrue(m.matches(), instruction.toString());
        stages.add(new Stage(m.group(1), m.group(2), new ArrayList<>()));
      } else {
        assertFalse(stages.isEmpty(), "an instruction before the first FROM: " + instruction);
        stages.get(stages.size() - 1).instructions().add(instruction);
      }
    }
    return stages;
  }

  private static List<Instruction> instructions(String text) {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.lines().toList()) {
      String stripped = line.strip();
      if (current.length() == 0 && (stripped.isEmpty() || stripped.startsWith("#"))) {
        continue;
      }
      if (stripped.endsWith("\\")) {
        current.append(stripped, 0, stripped.length() - 1).append(' ');
        continue;
      }
      current.append(stripped);
      String joined = current.toString().strip();
      current.setLength(0);
      int space = joined.indexOf(' ');
      instructions.add(
          new Instruction(
              joined.substring(0, space).toUpperCase(Locale.ROOT),
              joined.substring(space + 1).strip().replaceAll("\\s+", " ")));
    }
    return instructions;
  }

  private static List<String> arguments(Stage stage, String keyword) {
    return stage.instructions().stream()
        .filter(i -> i.keyword().equals(keyword))
        .map(Instruction::arguments)
        .toList();
  }

  private static int index(Stage stage, String keyword) {
    int last = -1;
    for (int i = 0; i < stage.instructions().size(); i++) {
      if (stage.instructions().get(i).keyword().equals(keyword)) {
        last = i;
      }
    }
    return last;
  }

  private static String finalName(Path pom) throws IOException {
    Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(pom));
    assertTrue(m.find(), "cli/pom.xml names its jar");
    return m.group(1);
  }
}
