package dev.batchrunner.function.startup;

import dev.batchrunner.function.RandomIds;
import org.crac.Context;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SnapStart (CRaC) hooks. Before the snapshot: prime every request path, so that restored
 * environments start warm. After a restore: give this environment its own random sequence (many
 * environments are restored from one snapshot). No connection is open in the snapshot: priming's
 * requests go to a loopback responder that {@link Primer#prime} closes, with the connection the
 * HTTP client kept alive to it and its threads, before it returns ({@link PrimableHttpClient}); the
 * real clients connect on their first request.
 */
public final class SnapStartHooks implements Resource {
  private static final Logger LOG = LoggerFactory.getLogger(SnapStartHooks.class);

  private final Runnable prime;
  private final RandomIds ids;

  public SnapStartHooks(Runnable prime, RandomIds ids) {
    this.prime = prime;
    this.ids = ids;
  }

  @Override
  public void beforeCheckpoint(Context<? extends Resource> context) {
    prime.run();
  }

  @Override
  public void afterRestore(Context<? extends Resource> context) {
    ids.reseed();
    LOG.info("restored from a SnapStart snapshot: random ids reseeded");
  }
}
