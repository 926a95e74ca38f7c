/**
 * The survey programs and follow-up queues of this deployment: the one source of truth.
 * The CDK stack builds bus rules and queues from it, the sandbox builds its queues from it, and
 * the handlers read it at run time. Edit it, then `npx cdk diff`. See README "Survey programs".
 */
export const declaredCatalog = {
  brand: 'Closeloop Demo Shop',
  invitationTtlDays: 30,
  answerWindowHours: 24,
  throttle: { afterSendDays: 30, afterResponseDays: 90 },
  quietHours: { start: '21:00', end: '08:00' },
  followUpQueues: {
    'customer-success': { description: 'Detractors of relationship and purchase surveys: call back within a day.' },
    support: { description: 'High-effort support experiences: review the ticket and reach out.' },
  },
  programs: [
    {
      id: 'order-delivered-nps',
      description: 'NPS after an order is delivered; a return before the survey goes out cancels it.',
      trigger: { source: 'shop.orders', detailType: 'OrderDelivered' },
      kind: 'nps',
      defaultLocale: 'en',
      ownerTeam: 'customer-success',
      cancel: { on: [{ source: 'shop.orders', detailType: 'OrderReturned' }], matchOn: 'orderId' },
      intro: {
        en: 'Your order {context.orderId} has been delivered.',
        et: 'Teie tellimus {context.orderId} on kohale toimetatud.',
        hr: 'Vaša narudžba {context.orderId} je dostavljena.',
        th: 'คำสั่งซื้อ {context.orderId} ของคุณได้รับการจัดส่งแล้ว',
        fa: 'سفارش {context.orderId} شما تحویل داده شد.',
      },
      rules: [{ id: 'detractor', when: { scoreAtMost: 6 }, queue: 'customer-success', dueInHours: 24 }],
    },
    {
      id: 'checkout-csat',
      description: 'CSAT about the checkout, two hours after the order; cancelled if the order is cancelled first.',
      trigger: { source: 'shop.orders', detailType: 'OrderPlaced' },
      kind: 'csat',
      defaultLocale: 'en',
      ownerTeam: 'customer-success',
      delay: 'PT2H',
      cancel: { on: [{ source: 'shop.orders', detailType: 'OrderCancelled' }], matchOn: 'orderId' },
      question: {
        en: 'How satisfied were you with ordering from {brand}?',
        et: 'Kui rahul olite {brand} tellimiskogemusega?',
        hr: 'Koliko ste zadovoljni naručivanjem u trgovini {brand}?',
        th: 'คุณพึงพอใจกับการสั่งซื้อจาก {brand} มากน้อยเพียงใด',
        fa: 'چقدر از سفارش دادن از {brand} راضی بودید؟',
      },
      rules: [{ id: 'dissatisfied', when: { scoreAtMost: 2 }, queue: 'customer-success', dueInHours: 24 }],
    },
    {
      id: 'ticket-resolved-ces',
      description: 'Customer Effort Score after a support ticket is resolved.',
      trigger: { source: 'support.tickets', detailType: 'TicketResolved' },
      kind: 'ces',
      defaultLocale: 'en',
      ownerTeam: 'support',
      secondQuestion: {
        en: 'Is there anything we could have done to make it easier?',
        et: 'Kas saanuksime midagi teha, et see oleks lihtsam?',
        hr: 'Jesmo li mogli išta učiniti da bude lakše?',
        th: 'มีอะไรที่เราทำได้เพื่อให้ง่ายขึ้นหรือไม่',
        fa: 'آیا کاری بود که می‌توانستیم برای آسان‌تر شدن آن انجام دهیم؟',
      },
      rules: [{ id: 'high-effort', when: { scoreAtLeast: 5 }, queue: 'support', dueInHours: 24 }],
    },
  ],
};
