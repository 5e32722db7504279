package dev.batchrunner.function.startup;

import dev.batchrunner.core.dispatch.LaunchResult;
import dev.batchrunner.core.dispatch.TaskLauncher;
import dev.batchrunner.function.FunctionConfig;
import dev.batchrunner.function.FunctionFactory;
import dev.batchrunner.function.event.EventProcessor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The function as the Lambda runs it: {@link FunctionFactory}'s assembly with its SDK clients on
 * {@link PrimableHttpClient}s, primed during init (unless {@code PRIME_ON_INIT=false}) and again
 * before a SnapStart snapshot by the returned {@link SnapStartHooks}.
 *
 * @param processor the request pipeline
 * @param hooks the SnapStart hooks, for the handler to register (and hold: CRaC keeps only a weak
 *     reference)
 */
public record PrimedFunction(EventProcessor processor, SnapStartHooks hooks) {
  private static final Logger LOG = LoggerFactory.getLogger(PrimedFunction.class);

  /** Assembles the function from {@code config} and, unless told not to, primes it. */
  public static PrimedFunction assemble(FunctionConfig config) {
    return assemble(config, primable -> {});
  }

  /** The same, telling {@code httpClients} of each primable HTTP client made (for the tests). */
  static PrimedFunction assemble(FunctionConfig config, Consumer<PrimableHttpClient> httpClients) {
    // The SDK clients' HTTP client, switchable to canned answers (over loopback) while priming.
    List<PrimableHttpClient> http = new CopyOnWriteArrayList<>();
    FunctionFactory.Assembly assembly =
        FunctionFactory.assemble(
            config,
            FunctionFactory.Options.builder()
                .wrapHttpClient(
                    real -> {
                      PrimableHttpClient primable = new PrimableHttpClient(real, Primer.ANSWERS);
                      http.add(primable);
                      httpClients.accept(primable);
                      return primable;
                    })
                .build());
    // A dry run's launcher logs each request it builds: prime without it.
    TaskLauncher primingLauncher =
        config.dryRun() ? launch -> new LaunchResult(List.of(), true) : assembly.launcher();
    Runnable prime =
        () -> {
          try {
            Primer.prime(assembly.catalog(), assembly.store(), primingLauncher, http);
          } catch (RuntimeException e) {
            // Priming only saves time: a failure (e.g. no credentials yet) must not fail the start.
            LOG.atWarn().setCause(e).log("priming skipped: {}", e.toString());
          }
        };
    if (config.primeOnInit()) {
      prime.run();
    }
    return new PrimedFunction(assembly.processor(), new SnapStartHooks(prime, assembly.ids()));
  }
}
