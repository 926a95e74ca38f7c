/**
 * The survey programs and follow-up queues of this deployment: the one source of truth.
 * The CDK stack builds bus rules and queues from it, the sandbox builds its queues from it, and
 * the handlers read it at run time. Edit it, then `npx cdk diff`.
 */
export const declaredCatalog = {
  brand: 'Closeloop Demo Shop',
  invitationTtlDays: 30,
  followUpQueues: {
    'customer-success': { description: 'Detractors of relationship and purchase surveys: call back within a day.' },
    support: { description: 'High-effort support experiences: review the ticket and reach out.' },
  },
  programs: [
    {
      id: 'order-delivered-nps',
      description: 'NPS after an order is delivered.',
      trigger: { source: 'shop.orders', detailType: 'OrderDelivered' },
      kind: 'nps',
      defaultLocale: 'en',
      ownerTeam: 'customer-success',
      rules: [{ id: 'detractor', when: { scoreAtMost: 6 }, queue: 'customer-success', dueInHours: 24 }],
    },
    {
      id: 'ticket-resolved-ces',
      description: 'Customer Effort Score after a support ticket is resolved.',
      trigger: { source: 'support.tickets', detailType: 'TicketResolved' },
      kind: 'ces',
      defaultLocale: 'en',
      ownerTeam: 'support',
      rules: [{ id: 'high-effort', when: { scoreAtLeast: 5 }, queue: 'support', dueInHours: 24 }],
    },
  ],
};
