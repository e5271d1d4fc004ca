package io.courier.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.DataTypes;

/** Every blob and text value in the keyspace's tables, for tests that prove a secret is stored nowhere. */
final class StoredValues {
    /** One non-null value; {@code blob} tells blob from text columns. */
    record Value(String table, String column, byte[] bytes, boolean blob) {
        boolean contains(byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= bytes.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (bytes[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }
    }

    private StoredValues() {
    }

    static List<Value> all(CqlSession session, String keyspace) {
        List<Value> values = new ArrayList<>();
        var tables = session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", keyspace)
                .all();
        for (Row table : tables) {
            String name = table.getString("table_name");
            for (Row row : session.execute("SELECT * FROM " + name)) {
                for (int i = 0; i < row.getColumnDefinitions().size(); i++) {
                    var type = row.getColumnDefinitions().get(i).getType();
                    String column = row.getColumnDefinitions().get(i).getName().asInternal();
                    if (type.equals(DataTypes.BLOB) && !row.isNull(i)) {
                        var buffer = row.getByteBuffer(i);
                        byte[] bytes = new byte[buffer.remaining()];
                        buffer.duplicate().get(bytes);
                        values.add(new Value(name, column, bytes, true));
                    } else if (type.equals(DataTypes.TEXT) && !row.isNull(i)) {
                        values.add(new Value(name, column, row.getString(i).getBytes(StandardCharsets.UTF_8), false));
                    }
                }
            }
        }
        return values;
    }
}
