package dev.batchrunner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.catalog.CatalogLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The function's start-up validation of the catalog, offline ({@code validate}, {@code explain}):
 * {@link CatalogLoader#fromEnvironment} over the environment the command runs in, as the function
 * calls it over Lambda's, plus the values {@code --env NAME=VALUE} gives for {@code ${NAME}}
 * placeholders. Nothing is invented: a placeholder neither sets is a problem, as it would fail the
 * function's start, and the problem list ends with a hint naming the variables.
 */
final class CatalogCheck {
  /** The loader's placeholder syntax; names that are no variable name are its problem to report. */
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--env",
      paramLabel = "NAME=VALUE",
      description =
          "a value for the catalog's $${NAME} placeholder, as the function's environment would set"
              + " it (repeatable; wins over this shell's variable of the same name)")
  Map<String, String> values = new LinkedHashMap<>();

  /** Where a placeholder's value comes from. */
  enum From {
    ENVIRONMENT("environment"),
    OPTION("--env"),
    UNSET("unset");

    private final String label;

    From(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }
  }

  /**
   * One {@code ${NAME}} the catalog uses.
   *
   * @param name the environment variable
   * @param from where this run took its value from, or {@link From#UNSET}
   */
  record Placeholder(String name, From from) {}

  /**
   * The catalog as the function's start would find it.
   *
   * @param source the file's path, or {@code classpath:batches.json}
   * @param catalog the validated catalog, or null when invalid
   * @param problems every problem the loader found (empty when valid)
   * @param placeholders the {@code ${NAME}} placeholders the catalog uses, sorted by name
   * @param warnings {@code --env} values no placeholder uses
   */
  record Result(
      String source,
      BatchCatalog catalog,
      List<String> problems,
      List<Placeholder> placeholders,
      List<String> warnings) {

    boolean valid() {
      return catalog != null;
    }

    /** The placeholders neither the environment nor {@code --env} sets. */
    List<String> unset() {
      return placeholders.stream()
          .filter(p -> p.from() == From.UNSET)
          .map(Placeholder::name)
          .toList();
    }

    /**
     * Exit 2: the loader's message (every problem, one a line), then the placeholder hint.
     *
     * @param command the command line to suggest, e.g. {@code batch-runner validate}
     */
    CliException failure(String command) {
      return new CliException(
          ExitCode.USAGE, new CatalogException(source, problems).getMessage() + hint(command));
    }

    /**
     * For unset placeholders: what the deployed function would do, and how to check the rest.
     *
     * @param command the command line to suggest, e.g. {@code batch-runner validate}
     */
    String hint(String command) {
      List<String> unset = unset();
      if (unset.isEmpty()) {
        return "";
      }
      return "\n"
          + (unset.size() == 1 ? "placeholder " : "placeholders ")
          + String.join(", ", unset)
          + (unset.size() == 1 ? " has" : " have")
          + " no value here: the deployed function fails its start the same way unless its"
          + " environment sets "
          + (unset.size() == 1 ? "it" : "them")
          + ". To check the rest of the catalog, set "
          + (unset.size() == 1 ? "it" : "them")
          + " in this shell ("
          + unset.get(0)
          + "=... "
          + command
          + ") or give --env "
          + unset.get(0)
          + "=VALUE.";
    }
  }

  /**
   * Loads and validates the catalog {@code catalog} names (else {@code BATCH_CATALOG}, else the
   * shipped one) with {@code env} and {@code --env}.
   *
   * @throws CliException exit 2 for a bad argument ({@code --catalog} missing, {@code --env
   *     BATCH_CATALOG}); exit 1 when the catalog file exists but cannot be read
   */
  Result run(CatalogOption catalog, Map<String, String> env) {
    if (values.containsKey(CatalogLoader.CATALOG_ENV)) {
      throw new CliException(
          ExitCode.USAGE,
          "--env "
              + CatalogLoader.CATALOG_ENV
              + ": not a placeholder; name the catalog file with --catalog FILE");
    }
    Map<String, String> effective = new HashMap<>(catalog.environment(env));
    effective.putAll(values);
    Document document = document(effective, catalog.catalog != null);
    String source = document.source();
    byte[] bytes = document.bytes();

    List<Placeholder> placeholders = new ArrayList<>();
    for (String name : placeholderNames(bytes)) {
      From from =
          values.containsKey(name)
              ? From.OPTION
              : env.containsKey(name) ? From.ENVIRONMENT : From.UNSET;
      placeholders.add(new Placeholder(name, from));
    }
    List<String> warnings = new ArrayList<>();
    for (String name : values.keySet()) {
      if (placeholders.stream().noneMatch(p -> p.name().equals(name))) {
        warnings.add("--env " + name + ": the catalog has no ${" + name + "} placeholder (unused)");
      }
    }
    try {
      BatchCatalog loaded = CatalogLoader.fromEnvironment(effective);
      return new Result(source, loaded, List.of(), placeholders, warnings);
    } catch (CatalogException e) {
      return new Result(source, null, e.problems(), placeholders, warnings);
    }
  }

  /**
   * The catalog's text as the function's start would read it.
   *
   * @param source the file's path, or {@code classpath:batches.json}
   * @param bytes its content; null when the file {@code BATCH_CATALOG} names does not exist
   */
  record Document(String source, byte[] bytes) {}

  /**
   * The catalog file {@code BATCH_CATALOG} names in {@code env}, else the shipped one, unread by
   * the loader (its placeholders unfilled).
   *
   * @param fromOption whether the file was named by {@code --catalog}, for the message
   * @throws CliException exit 1 when the file exists but cannot be read
   */
  static Document document(Map<String, String> env, boolean fromOption) {
    String file = env.get(CatalogLoader.CATALOG_ENV);
    boolean fromFile = file != null && !file.isBlank();
    String source =
        fromFile ? Path.of(file).toString() : "classpath:" + CatalogLoader.CLASSPATH_CATALOG;
    return new Document(source, fromFile ? readFile(Path.of(file), fromOption) : readClasspath());
  }

  /**
   * The file's bytes, so that an existing file that cannot be read is an I/O failure (exit 1); a
   * missing one (from {@code BATCH_CATALOG}) is left to the loader, which fails the function's
   * start with it, as a problem of the catalog.
   */
  private static byte[] readFile(Path path, boolean fromOption) {
    if (!Files.isRegularFile(path)) {
      return null;
    }
    try {
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE,
          (fromOption ? "--catalog " : CatalogLoader.CATALOG_ENV + "=")
              + path
              + ": cannot be read: "
              + e,
          e);
    }
  }

  private static byte[] readClasspath() {
    try (InputStream in =
        CatalogLoader.class.getClassLoader().getResourceAsStream(CatalogLoader.CLASSPATH_CATALOG)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new CliException(
          ExitCode.FAILURE,
          "classpath:" + CatalogLoader.CLASSPATH_CATALOG + ": cannot be read: " + e,
          e);
    }
  }

  /**
   * The names of the {@code ${NAME}} placeholders in the catalog's string values (where the loader
   * fills them), sorted; none when the document is no JSON (the loader reports that).
   */
  static List<String> placeholderNames(byte[] catalog) {
    TreeSet<String> names = new TreeSet<>();
    if (catalog == null) {
      return List.of();
    }
    JsonNode root;
    try {
      root = JSON.readTree(catalog);
    } catch (IOException e) {
      return List.of();
    }
    collect(root, names);
    return List.copyOf(names);
  }

  private static void collect(JsonNode node, TreeSet<String> names) {
    if (node == null) {
      return;
    }
    if (node.isTextual()) {
      Matcher m = PLACEHOLDER.matcher(node.textValue());
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    node.forEach(child -> collect(child, names));
  }
}
