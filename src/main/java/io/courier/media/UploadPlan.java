package io.courier.media;

/**
 * How a blob of {@code size} bytes is uploaded: one PUT, or {@code partCount} parts of {@code partSize} bytes (the
 * last one shorter).
 */
record UploadPlan(long size, boolean multipart, long partSize, int partCount) {
    static UploadPlan of(long size, long multipartThreshold, long partSize) {
        if (size <= multipartThreshold) {
            return new UploadPlan(size, false, size, 1);
        }
        return new UploadPlan(size, true, partSize, (int) ((size + partSize - 1) / partSize));
    }

    /** Exact length of part {@code number} (1-based): every presigned part URL is signed for it. */
    long partLength(int number) {
        if (number < 1 || number > partCount) {
            throw new IllegalArgumentException("part " + number + " is outside 1.." + partCount);
        }
        return number < partCount ? partSize : size - partSize * (partCount - 1);
    }
}
