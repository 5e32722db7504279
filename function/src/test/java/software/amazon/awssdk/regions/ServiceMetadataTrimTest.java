package software.amazon.awssdk.regions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.servicemetadata.DynamodbServiceMetadata;
import software.amazon.awssdk.regions.servicemetadata.EcsServiceMetadata;

/** batch-runner's trimmed service metadata answers exactly as the SDK's for its two services. */
class ServiceMetadataTrimTest {

  @Test
  void serviceMetadata_whenEcsOrDynamoDb_isTheSdksOwn() {
    for (Region region : new Region[] {Region.EU_WEST_1, Region.US_EAST_1, Region.CN_NORTH_1}) {
      assertEquals(
          new EcsServiceMetadata().signingRegion(region),
          ServiceMetadata.of("ecs").signingRegion(region));
      assertEquals(
          new DynamodbServiceMetadata().endpointFor(region),
          ServiceMetadata.of("dynamodb").endpointFor(region));
    }
    assertEquals(
        URI.create("ecs.eu-west-1.amazonaws.com"),
        ServiceMetadata.of("ecs").endpointFor(Region.EU_WEST_1));
  }

  @Test
  void serviceMetadata_whenAnotherService_isUnknown() {
    assertNull(new GeneratedServiceMetadataProvider().serviceMetadata("s3"));
  }

  @Test
  void provider_onTheClasspathIsBatchRunnersOwn() {
    String where =
        getClass()
            .getClassLoader()
            .getResource("software/amazon/awssdk/regions/GeneratedServiceMetadataProvider.class")
            .toString();

    assertTrue(where.contains("/target/classes/"), "the SDK's 380-service provider won: " + where);
  }
}
