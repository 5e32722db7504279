package dev.batchrunner.cli;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.CatalogException;
import dev.batchrunner.core.catalog.CatalogLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --catalog FILE}: the batch catalog a command reads, loaded and validated exactly as the
 * function loads it at start (the same {@link CatalogLoader}, the same {@code ${NAME}} placeholders
 * from the environment). Default: {@code $BATCH_CATALOG}, else the shipped {@code batches.json}.
 */
final class CatalogOption {
  @Option(
      names = "--catalog",
      paramLabel = "FILE",
      description = "the batch catalog (default: $BATCH_CATALOG, else the shipped batches.json)")
  Path catalog;

  /**
   * The validated catalog.
   *
   * @throws CliException exit 2: a missing file, or an invalid catalog with every problem listed
   */
  BatchCatalog load(Map<String, String> env) {
    try {
      return CatalogLoader.fromEnvironment(environment(env));
    } catch (CatalogException e) {
      throw invalid(e);
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      // a ${NAME} the environment does not set, or a file that cannot be read
      throw new CliException(ExitCode.USAGE, e.getMessage(), e);
    }
  }

  /**
   * {@code env} with {@code BATCH_CATALOG} set to {@code --catalog}, when given.
   *
   * @throws CliException exit 2 when the file is missing
   */
  Map<String, String> environment(Map<String, String> env) {
    Map<String, String> effective = new HashMap<>(env);
    if (catalog != null) {
      if (!Files.isRegularFile(catalog)) {
        throw new CliException(
            ExitCode.USAGE,
            "--catalog " + catalog + (Files.exists(catalog) ? ": not a file" : ": no such file"));
      }
      effective.put(CatalogLoader.CATALOG_ENV, catalog.toAbsolutePath().toString());
    }
    return effective;
  }

  /** A catalog's problems as the CLI reports them: exit 2, every problem on its own line. */
  static CliException invalid(CatalogException e) {
    return new CliException(ExitCode.USAGE, e.getMessage(), e);
  }
}
