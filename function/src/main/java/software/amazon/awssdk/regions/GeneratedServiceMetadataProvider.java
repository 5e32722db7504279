package software.amazon.awssdk.regions;

import software.amazon.awssdk.regions.servicemetadata.DynamodbServiceMetadata;
import software.amazon.awssdk.regions.servicemetadata.EcsServiceMetadata;

/**
 * batch-runner's replacement for the AWS SDK's generated class of the same name, which builds the
 * metadata of all ~380 AWS services the first time any client is built (the SDK asks it for the
 * client's signing region): about 70 ms of a cold start. This one knows the two services the
 * function calls and answers null for the others, as the SDK's does for unknown services. The shade
 * plugin keeps this class instead of the SDK's; ServiceMetadataTrimTest and PackagedJarIT check it.
 * Re-check it when upgrading the SDK (the interface is {@link ServiceMetadataProvider}).
 */
public final class GeneratedServiceMetadataProvider implements ServiceMetadataProvider {

  @Override
  public ServiceMetadata serviceMetadata(String endpointPrefix) {
    switch (endpointPrefix) {
      case "ecs":
        return new EcsServiceMetadata();
      case "dynamodb":
        return new DynamodbServiceMetadata();
      default:
        return null;
    }
  }
}
