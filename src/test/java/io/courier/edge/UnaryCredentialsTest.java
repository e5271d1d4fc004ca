package io.courier.edge;

import static io.courier.support.Statuses.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.courier.account.GatedCredentialVerifier;
import io.courier.api.v1.AccountServiceGrpc;
import io.courier.api.v1.ListDevicesRequest;
import io.courier.api.v1.ListDevicesResponse;
import io.courier.common.RetryAfter;
import io.courier.support.RegisteredDevice;
import io.courier.support.ServerTest;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.junit.QuarkusTest;

import com.google.common.util.concurrent.ListenableFuture;

/**
 * Issue 21, "Why" 6: a unary call with a random well-formed token used to cost a database read every time. Now a
 * refused credential costs its address a unit of a cluster-wide budget (test profile: 200, no refill within the
 * test), a refused token presented again reads nothing, and an address over its budget is refused before any read.
 */
@QuarkusTest
class UnaryCredentialsTest extends ServerTest {
    private static final ListDevicesRequest CALL = ListDevicesRequest.getDefaultInstance();

    @Inject
    GatedCredentialVerifier verifier;

    @Inject
    EdgeConfig config;

    /** Well-formed as issued: 52 bytes in unpadded base64url, naming a random account and device. */
    private static String randomToken() {
        byte[] raw = new byte[52];
        ThreadLocalRandom.current().nextBytes(raw);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    /** A client behind the suite's trusted proxy (127.0.0.1), so each test's address has a budget of its own. */
    private static String randomAddress() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "10." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(1, 255);
    }

    private static AccountServiceGrpc.AccountServiceBlockingStub from(String address, String token) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.FORWARDED_FOR, address);
        return withToken(AccountServiceGrpc.newBlockingStub(channel), token)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static ListenableFuture<ListDevicesResponse> sentFrom(String address, String token) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.FORWARDED_FOR, address);
        return withToken(AccountServiceGrpc.newFutureStub(channel), token)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers)).listDevices(CALL);
    }

    private static Status.Code codeOf(ListenableFuture<?> call) throws InterruptedException {
        try {
            call.get(30, TimeUnit.SECONDS);
            return Status.Code.OK;
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call did not end", e);
        }
    }

    @Test
    void unknownTokensSentAtOnceFromOneAddressReadAtMostItsCapAtOnceTheRestAreRefusedBeforeAnyRead()
            throws Exception {
        int cap = config.unverifiedReadsPerPeer();
        String address = randomAddress();
        RegisteredDevice neighbour = registerNew();
        assertThat(from(address, neighbour.authToken()).listDevices(CALL).getDevicesCount()).isEqualTo(1);
        List<String> tokens = new ArrayList<>();
        List<GatedCredentialVerifier.Gate> gates = new ArrayList<>();
        for (int i = 0; i < cap + 3; i++) {
            String token = randomToken();
            tokens.add(token);
            gates.add(verifier.holdNext(token));
        }

        List<ListenableFuture<ListDevicesResponse>> calls = tokens.stream().map(t -> sentFrom(address, t)).toList();
        // Every read started is held, so the refused ones are the calls that end while the gates are shut.
        int refused = 0;
        for (int i = 0; i < calls.size(); i++) {
            CompletableFuture<Object> ended = new CompletableFuture<>();
            calls.get(i).addListener(() -> ended.complete(null), Runnable::run);
            CompletableFuture.anyOf(ended, gates.get(i).reached()).get(30, TimeUnit.SECONDS);
            if (calls.get(i).isDone()) {
                assertThat(codeOf(calls.get(i))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(verifier.checks(tokens.get(i))).as("refused before any read").isZero();
                refused++;
            }
        }
        assertThat(refused).as("reads beyond the cap refused").isEqualTo(3);
        assertThat(gates.stream().filter(g -> g.reached().isDone())).as("reads started").hasSize(cap);
        assertThat(from(address, neighbour.authToken()).listDevices(CALL).getDevicesCount())
                .as("a credential that passed here lately is not held back by its address's reads").isEqualTo(1);

        gates.forEach(g -> g.open().complete(null));
        for (int i = 0; i < calls.size(); i++) {
            if (gates.get(i).reached().isDone()) {
                assertThat(codeOf(calls.get(i))).isEqualTo(Status.Code.UNAUTHENTICATED);
            }
        }
        String later = randomToken();
        assertStatus(Status.Code.UNAUTHENTICATED, () -> from(address, later).listDevices(CALL));
        assertThat(verifier.checks(later)).as("once the reads answered, the address reads again").isEqualTo(1);
    }

    @Test
    void refusedTokensCostTheirAddressAndOnceItsBudgetIsSpentNothingIsReadForItButKnownGoodCredentialsStillPass() {
        String address = randomAddress();
        RegisteredDevice neighbour = registerNew(); // behind the same NAT, called before the attack
        assertThat(from(address, neighbour.authToken()).listDevices(CALL).getDevicesCount()).isEqualTo(1);
        String repeated = randomToken();
        assertStatus(Status.Code.UNAUTHENTICATED, () -> from(address, repeated).listDevices(CALL));
        assertStatus(Status.Code.UNAUTHENTICATED, () -> from(address, repeated).listDevices(CALL));
        assertThat(verifier.checks(repeated)).as("a refused token is remembered: read once").isEqualTo(1);
        for (int i = 2; i < config.failedAuthPerPeerBurst(); i++) {
            String token = randomToken();
            assertStatus(Status.Code.UNAUTHENTICATED, () -> from(address, token).listDevices(CALL));
        }

        String next = randomToken();
        StatusRuntimeException refused = catchThrowableOfType(() -> from(address, next).listDevices(CALL),
                StatusRuntimeException.class);
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription()).contains("refused credentials from this address");
        assertThat(refused.getTrailers().get(RetryAfter.TRAILER)).isNotNull();
        String another = randomToken();
        assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> from(address, another).listDevices(CALL));
        assertThat(verifier.checks(another)).as("refused before any read").isZero();
        assertThat(from(address, neighbour.authToken()).listDevices(CALL).getDevicesCount())
                .as("a credential that passed here lately is not locked out by its address's block").isEqualTo(1);

        RegisteredDevice honest = registerNew();
        assertThat(from(randomAddress(), honest.authToken()).listDevices(CALL).getDevicesCount())
                .as("other addresses are unaffected").isEqualTo(1);
    }
}
