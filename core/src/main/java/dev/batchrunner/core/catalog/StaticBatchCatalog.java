package dev.batchrunner.core.catalog;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** A catalog validated once at start and held in memory for the life of the environment. */
public final class StaticBatchCatalog implements BatchCatalog {
  private final Map<String, BatchDefinition> batches;

  public StaticBatchCatalog(Map<String, BatchDefinition> batches) {
    this.batches = java.util.Collections.unmodifiableMap(new TreeMap<>(batches));
  }

  @Override
  public Optional<BatchDefinition> find(String batchTypeId) {
    return batchTypeId == null ? Optional.empty() : Optional.ofNullable(batches.get(batchTypeId));
  }

  @Override
  public Set<String> batchTypeIds() {
    return batches.keySet();
  }
}
