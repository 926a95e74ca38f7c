// AWS SDK for Java 2.x (software.amazon.awssdk:eventbridge). The bus: the EventBusArn output.
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequest;
import software.amazon.awssdk.services.eventbridge.model.PutEventsRequestEntry;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;

public class PutOrderDelivered {
  public static void main(String[] args) {
    String busArn = args[0];
    // In a real service, serialise your order with Jackson; the JSON must be event contract v1.
    String detail = """
        {"eventId":"ord-1042-delivered","occurredAt":"2026-11-22T10:00:00Z","customer":{"id":"c-77","email":"ana@example.com","name":"Ana","locale":"hr","segment":"smb","tier":"gold","timeZone":"Europe/Zagreb"},"context":{"orderId":"1042"}}
        """;
    try (EventBridgeClient events = EventBridgeClient.create()) {
      PutEventsResponse response = events.putEvents(PutEventsRequest.builder()
          .entries(PutEventsRequestEntry.builder()
              .eventBusName(busArn)
              .source("shop.orders")
              .detailType("OrderDelivered")
              .detail(detail.strip())
              .build())
          .build());
      if (response.failedEntryCount() > 0) throw new IllegalStateException(response.entries().toString());
    }
  }
}
