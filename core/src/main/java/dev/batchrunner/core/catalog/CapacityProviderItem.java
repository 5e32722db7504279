package dev.batchrunner.core.catalog;

/** One entry of an ECS capacity provider strategy. */
public record CapacityProviderItem(String capacityProvider, Integer weight, Integer base) {}
