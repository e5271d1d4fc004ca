package io.courier.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;

import io.courier.api.v1.ConnectRequest;
import io.courier.api.v1.ConnectResponse;
import io.courier.support.LinkModel.Direction;
import io.courier.support.LinkModel.Segment;

/**
 * Reads a {@link LinkModel} trace as HTTP/2: every frame of every gRPC connection with the time the link took its
 * first byte and handed on its last, and the Connect stream's gRPC messages decoded as ConnectRequest (up) or
 * ConnectResponse (down). Connections that don't start with the HTTP/2 preface (the bare relay) are left out.
 */
public final class WireFrames {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    public static final int FRAME_HEADER = 9;
    public static final int GRPC_PREFIX = 5;
    public static final int DATA = 0;

    /** One HTTP/2 frame (type -1: the connection preface). */
    public record Frame(int connection, Direction direction, int type, int streamId, int length, long readNanos,
            long deliveredNanos, byte[] payload) {
        public int wireBytes() {
            return type < 0 ? length : FRAME_HEADER + length;
        }

        public String typeName() {
            return switch (type) {
                case -1 -> "preface";
                case 0 -> "DATA";
                case 1 -> "HEADERS";
                case 3 -> "RST_STREAM";
                case 4 -> "SETTINGS";
                case 6 -> "PING";
                case 7 -> "GOAWAY";
                case 8 -> "WINDOW_UPDATE";
                default -> "type " + type;
            };
        }
    }

    /** One gRPC message of a stream, decoded if it is a Connect frame; times of the DATA frames that carried it. */
    public record GrpcMessage(int connection, Direction direction, int streamId, int length, long readNanos,
            long deliveredNanos, Message decoded) {
        public String kind() {
            if (decoded instanceof ConnectRequest r) {
                return "up " + r.getFrameCase().name().toLowerCase();
            }
            if (decoded instanceof ConnectResponse r) {
                return "down " + r.getFrameCase().name().toLowerCase();
            }
            return direction.name().toLowerCase() + " other";
        }
    }

    private WireFrames() {
    }

    /** The frames of every HTTP/2 connection in the trace, in the order the link took them. */
    public static List<Frame> frames(List<Segment> trace) {
        Map<String, List<Segment>> streams = trace.stream()
                .collect(Collectors.groupingBy(s -> s.connection() + "/" + s.direction()));
        streams.values().forEach(stream -> stream.sort(Comparator.comparingLong(Segment::offset)));
        List<Frame> frames = new ArrayList<>();
        for (List<Segment> stream : streams.values()) {
            List<Segment> up = streams.get(stream.get(0).connection() + "/" + Direction.UP);
            if (up != null && startsWithPreface(up)) {
                frames.addAll(parse(stream));
            }
        }
        frames.sort(Comparator.comparingLong(Frame::readNanos));
        return frames;
    }

    /** Traced from its first byte (else frame boundaries are unknown), and HTTP/2. */
    private static boolean startsWithPreface(List<Segment> up) {
        byte[] first = up.get(0).bytes();
        return up.get(0).offset() == 0 && first.length >= PREFACE.length
                && Arrays.equals(first, 0, PREFACE.length, PREFACE, 0, PREFACE.length);
    }

    private static List<Frame> parse(List<Segment> stream) {
        Segment first = stream.get(0);
        if (first.offset() != 0) {
            return List.of(); // traced from the middle: frame boundaries unknown
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long[] starts = new long[stream.size()];
        for (int i = 0; i < stream.size(); i++) {
            starts[i] = all.size();
            all.writeBytes(stream.get(i).bytes());
        }
        byte[] bytes = all.toByteArray();
        List<Frame> frames = new ArrayList<>();
        int at = 0;
        if (first.direction() == Direction.UP) {
            frames.add(frame(stream, starts, -1, 0, 0, PREFACE.length, null));
            at = PREFACE.length;
        }
        while (at + FRAME_HEADER <= bytes.length) {
            ByteBuffer header = ByteBuffer.wrap(bytes, at, FRAME_HEADER);
            int length = (header.get() & 0xff) << 16 | (header.get() & 0xff) << 8 | header.get() & 0xff;
            int type = header.get() & 0xff;
            header.get(); // flags
            int streamId = header.getInt() & 0x7fffffff;
            if (at + FRAME_HEADER + length > bytes.length) {
                break; // cut off at the end of the trace
            }
            byte[] payload = type == DATA ? Arrays.copyOfRange(bytes, at + FRAME_HEADER, at + FRAME_HEADER + length)
                    : null;
            frames.add(frame(stream, starts, type, streamId, at, FRAME_HEADER + length, payload));
            at += FRAME_HEADER + length;
        }
        return frames;
    }

    private static Frame frame(List<Segment> stream, long[] starts, int type, int streamId, long offset, int size,
            byte[] payload) {
        Segment first = stream.get(segmentAt(starts, offset));
        Segment last = stream.get(segmentAt(starts, offset + size - 1));
        return new Frame(first.connection(), first.direction(), type, streamId,
                type < 0 ? size : size - FRAME_HEADER, first.readNanos(), last.deliveredNanos(), payload);
    }

    private static int segmentAt(long[] starts, long offset) {
        int i = Arrays.binarySearch(starts, offset);
        return i >= 0 ? i : -i - 2;
    }

    /** The gRPC messages in the DATA frames, per connection, direction and stream. */
    public static List<GrpcMessage> messages(List<Frame> frames) {
        Map<String, Reassembly> streams = new HashMap<>();
        List<GrpcMessage> messages = new ArrayList<>();
        for (Frame frame : frames) {
            if (frame.type() == DATA) {
                streams.computeIfAbsent(frame.connection() + "/" + frame.direction() + "/" + frame.streamId(),
                        k -> new Reassembly()).add(frame, messages);
            }
        }
        messages.sort(Comparator.comparingLong(GrpcMessage::readNanos));
        return messages;
    }

    /** A stream's DATA bytes cut into length-prefixed gRPC messages. */
    private static final class Reassembly {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private long firstReadNanos;

        void add(Frame frame, List<GrpcMessage> out) {
            if (pending.size() == 0) {
                firstReadNanos = frame.readNanos();
            }
            pending.writeBytes(frame.payload());
            byte[] bytes = pending.toByteArray();
            int at = 0;
            while (bytes.length - at >= GRPC_PREFIX) {
                int length = ByteBuffer.wrap(bytes, at + 1, 4).getInt();
                if (bytes.length - at - GRPC_PREFIX < length) {
                    break;
                }
                byte[] body = Arrays.copyOfRange(bytes, at + GRPC_PREFIX, at + GRPC_PREFIX + length);
                out.add(new GrpcMessage(frame.connection(), frame.direction(), frame.streamId(), length,
                        firstReadNanos, frame.deliveredNanos(), decode(frame.direction(), body)));
                at += GRPC_PREFIX + length;
                firstReadNanos = frame.readNanos();
            }
            pending.reset();
            pending.write(bytes, at, bytes.length - at);
        }
    }

    private static Message decode(Direction direction, byte[] body) {
        try {
            Message message = direction == Direction.UP ? ConnectRequest.parseFrom(body)
                    : ConnectResponse.parseFrom(body);
            boolean isFrame = message instanceof ConnectRequest r
                    ? r.getFrameCase() != ConnectRequest.FrameCase.FRAME_NOT_SET && r.getUnknownFields().asMap()
                            .isEmpty()
                    : ((ConnectResponse) message).getFrameCase() != ConnectResponse.FrameCase.FRAME_NOT_SET
                            && message.getUnknownFields().asMap().isEmpty();
            return isFrame ? message : null;
        } catch (InvalidProtocolBufferException e) {
            return null; // another service's message
        }
    }
}
