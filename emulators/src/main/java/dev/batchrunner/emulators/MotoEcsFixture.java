package dev.batchrunner.emulators;

import dev.batchrunner.core.catalog.BatchCatalog;
import dev.batchrunner.core.catalog.BatchDefinition;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.ecs.EcsClient;
import software.amazon.awssdk.services.ecs.model.Compatibility;
import software.amazon.awssdk.services.ecs.model.ContainerDefinition;
import software.amazon.awssdk.services.ecs.model.NetworkMode;

/**
 * Provisions what the catalog's RunTask calls need in a fresh moto: a cluster, one FARGATE task
 * definition per family the catalog names, and the default VPC's subnets and security group. It
 * answers with the environment that fills the catalog's placeholders. Usage (two parses: the first,
 * with any values, only tells which task definitions to register):
 *
 * <pre>
 * byte[] json = Fixtures.classpath("batches.json");
 * BatchCatalog draft = CatalogLoader.parse("batches.json", json, Fixtures.CATALOG_ENV);
 * Map&lt;String, String&gt; env =
 *     MotoEcsFixture.provision(ecs, ec2, MotoEcsFixture.containersByFamily(draft));
 * BatchCatalog catalog = CatalogLoader.parse("batches.json", json, env);
 * </pre>
 *
 * Clients: {@link MotoServer#configure}. Call {@code provision} again after {@link
 * MotoServer#reset()}: a reset forgets the cluster, the task definitions and the VPC ids.
 */
public final class MotoEcsFixture {
  public static final String CLUSTER_NAME = "batch-runner-test";
  public static final String IMAGE = "public.ecr.aws/docker/library/busybox:latest";
  public static final String REPORT_BUCKET = "batch-runner-test-reports";

  // The keys of provision's answer: the shipped catalog's placeholders.
  public static final String CLUSTER_ARN = "CLUSTER_ARN";
  public static final String SUBNET_IDS = "SUBNET_IDS";
  public static final String SECURITY_GROUP_IDS = "SECURITY_GROUP_IDS";
  public static final String REPORT_BUCKET_ENV = "REPORT_BUCKET";

  private static final int TASK_MEMORY_MIB = 512;

  private MotoEcsFixture() {}

  /**
   * The task definition families a catalog runs (sorted), each with the container names its batches
   * override. A {@code family:revision} or ARN reference counts as its family: moto numbers
   * revisions from 1, so only {@code :1} of a fresh moto resolves.
   */
  public static Map<String, Set<String>> containersByFamily(BatchCatalog catalog) {
    Map<String, Set<String>> families = new TreeMap<>();
    for (String id : catalog.batchTypeIds()) {
      BatchDefinition batch = catalog.find(id).orElseThrow();
      families
          .computeIfAbsent(family(batch.taskDefinition()), f -> new LinkedHashSet<>())
          .add(batch.container().name());
    }
    return families;
  }

  /**
   * Creates cluster {@value #CLUSTER_NAME}, registers each family (FARGATE, awsvpc, 256 CPU / 512
   * MiB, one busybox container per name, each with a {@code memory} limit, without which moto's
   * RunTask fails with a 500) and reads moto's default VPC.
   *
   * @param containersByFamily task definition family to its container names, see {@link
   *     #containersByFamily}
   * @return {@code CLUSTER_ARN}, {@code SUBNET_IDS} (comma-separated), {@code SECURITY_GROUP_IDS}
   *     and {@code REPORT_BUCKET}, for {@code CatalogLoader.parse}
   */
  public static Map<String, String> provision(
      EcsClient ecs, Ec2Client ec2, Map<String, Set<String>> containersByFamily) {
    String clusterArn = ecs.createCluster(b -> b.clusterName(CLUSTER_NAME)).cluster().clusterArn();
    containersByFamily.forEach((family, containers) -> register(ecs, family, containers));

    Vpc vpc =
        ec2.describeVpcs(b -> b.filters(filter("isDefault", "true"))).vpcs().stream()
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("moto has no default VPC"));
    List<String> subnets =
        ec2.describeSubnets(b -> b.filters(filter("vpc-id", vpc.vpcId()))).subnets().stream()
            .map(Subnet::subnetId)
            .sorted()
            .toList();
    List<String> groups =
        ec2
            .describeSecurityGroups(
                b -> b.filters(filter("vpc-id", vpc.vpcId()), filter("group-name", "default")))
            .securityGroups()
            .stream()
            .map(SecurityGroup::groupId)
            .toList();
    if (subnets.isEmpty() || groups.isEmpty()) {
      throw new IllegalStateException(
          "moto's default VPC " + vpc.vpcId() + " has subnets " + subnets + ", groups " + groups);
    }
    return Map.of(
        CLUSTER_ARN,
        clusterArn,
        SUBNET_IDS,
        String.join(",", subnets),
        SECURITY_GROUP_IDS,
        String.join(",", groups),
        REPORT_BUCKET_ENV,
        REPORT_BUCKET);
  }

  /** The family of a task definition reference: {@code family}, {@code family:rev} or an ARN. */
  public static String family(String taskDefinition) {
    String name = taskDefinition;
    if (name.startsWith("arn:")) {
      name = name.substring(name.indexOf('/') + 1);
    }
    int colon = name.indexOf(':');
    return colon < 0 ? name : name.substring(0, colon);
  }

  private static void register(EcsClient ecs, String family, Set<String> containerNames) {
    int memoryEach = TASK_MEMORY_MIB / containerNames.size();
    List<ContainerDefinition> containers = new ArrayList<>();
    for (String name : containerNames) {
      containers.add(
          ContainerDefinition.builder()
              .name(name)
              .image(IMAGE)
              .memory(memoryEach)
              .essential(true)
              .build());
    }
    ecs.registerTaskDefinition(
        b ->
            b.family(family)
                .requiresCompatibilities(Compatibility.FARGATE)
                .networkMode(NetworkMode.AWSVPC)
                .cpu("256")
                .memory(Integer.toString(TASK_MEMORY_MIB))
                .containerDefinitions(containers));
  }

  private static Filter filter(String name, String value) {
    return Filter.builder().name(name).values(value).build();
  }
}
