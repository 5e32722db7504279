package dev.batchrunner.core.catalog;

import java.util.Optional;
import java.util.Set;

/** Port: the batch types this deployment knows, looked up by batchTypeId. */
public interface BatchCatalog {

  /** The definition of a batch type, disabled ones included. */
  Optional<BatchDefinition> find(String batchTypeId);

  /** Every batchTypeId in the catalog. */
  Set<String> batchTypeIds();
}
