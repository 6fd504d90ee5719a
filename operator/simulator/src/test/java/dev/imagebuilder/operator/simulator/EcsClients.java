package dev.imagebuilder.operator.simulator;

import com.aliyun.ecs20140526.Client;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsRequest;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsResponseBody;
import com.aliyun.teaopenapi.models.Config;

/** Real Alibaba SDK clients pointed at a simulator, the way production code builds them. */
final class EcsClients {
    static final String REGION = "cn-hangzhou";
    static final String AK = "LTAI5tSimulatorKey";
    static final String SECRET = "s3cr3t-Simulator-Secret";

    private EcsClients() {
    }

    static Config config(EcsSimulator sim, String accessKeyId, String secret, String securityToken) throws Exception {
        com.aliyun.credentials.models.Config credential = new com.aliyun.credentials.models.Config()
                .setType(securityToken == null ? "access_key" : "sts")
                .setAccessKeyId(accessKeyId)
                .setAccessKeySecret(secret);
        if (securityToken != null) {
            credential.setSecurityToken(securityToken);
        }
        return new Config()
                .setEndpoint(sim.endpoint())
                .setProtocol("http")
                .setRegionId(REGION)
                .setCredential(new com.aliyun.credentials.Client(credential));
    }

    static Client client(EcsSimulator sim) throws Exception {
        return new Client(config(sim, AK, SECRET, null));
    }

    static Client client(EcsSimulator sim, String accessKeyId, String secret) throws Exception {
        return new Client(config(sim, accessKeyId, secret, null));
    }

    static DescribeImagePipelineExecutionsResponseBody describe(Client client, DescribeImagePipelineExecutionsRequest request)
            throws Exception {
        return client.describeImagePipelineExecutions(request).getBody();
    }

    static DescribeImagePipelineExecutionsRequest request(String pipelineId) {
        return new DescribeImagePipelineExecutionsRequest().setRegionId(REGION).setImagePipelineId(pipelineId);
    }
}
