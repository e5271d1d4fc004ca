package io.courier.edge;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.UnknownFieldSet;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.MessagingServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;

/**
 * Reads Connect frames without throwing. grpc-java turns a parse failure into UNKNOWN and logs a stack trace per
 * frame; here an undecodable frame becomes the {@link #UNDECODABLE} marker instead, which the stream refuses with
 * INVALID_ARGUMENT before doing any work for it.
 */
final class FrameParser implements MethodDescriptor.Marshaller<ConnectRequest> {
    /** Compared by identity; the unknown field only keeps it from equalling any real frame. */
    static final ConnectRequest UNDECODABLE = ConnectRequest.newBuilder().setUnknownFields(UnknownFieldSet
            .newBuilder().addField(536_870_911, UnknownFieldSet.Field.newBuilder().addVarint(0).build()).build())
            .build();

    private final MethodDescriptor.Marshaller<ConnectRequest> proto =
            ProtoUtils.marshaller(ConnectRequest.getDefaultInstance());

    @Override
    public InputStream stream(ConnectRequest value) {
        return proto.stream(value);
    }

    @Override
    public ConnectRequest parse(InputStream stream) {
        try {
            return proto.parse(stream);
        } catch (StatusRuntimeException undecodable) {
            return UNDECODABLE;
        }
    }

    /** The messaging service as generated, with Connect's frames read by a {@code FrameParser}. */
    static ServerServiceDefinition applyTo(ServerServiceDefinition generated) {
        ServiceDescriptor service = generated.getServiceDescriptor();
        String connect = MessagingServiceGrpc.getConnectMethod().getFullMethodName();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getName())
                .setSchemaDescriptor(service.getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
            ServerMethodDefinition<?, ?> bound = method.getMethodDescriptor().getFullMethodName().equals(connect)
                    ? withParser(method) : method;
            descriptor.addMethod(bound.getMethodDescriptor());
            methods.add(bound);
        }
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(definition::addMethod);
        return definition.build();
    }

    @SuppressWarnings("unchecked")
    private static <R> ServerMethodDefinition<ConnectRequest, R> withParser(ServerMethodDefinition<?, ?> method) {
        ServerMethodDefinition<ConnectRequest, R> connect = (ServerMethodDefinition<ConnectRequest, R>) method;
        MethodDescriptor<ConnectRequest, R> descriptor = connect.getMethodDescriptor().toBuilder()
                .setRequestMarshaller(new FrameParser()).build();
        return ServerMethodDefinition.create(descriptor, connect.getServerCallHandler());
    }
}
