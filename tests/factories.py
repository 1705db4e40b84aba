import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from customers.models import Customer, Order
from referrals.models import Partner
from stores.models import Region, Role, Staff, Store


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"r{n}")
    name = factory.Sequence(lambda n: f"区域{n}")


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"s{n}")
    name = factory.Sequence(lambda n: f"门店{n}")
    city = "上海"
    address = "测试路 1 号"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"员工{n}")
    role = Role.ASSISTANT
    store = factory.SubFactory(StoreFactory)
    region = None
    job_number = factory.Sequence(lambda n: f"J{n:05d}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"伙伴{n}")
    kind = Partner.Kind.PLUMBER
    store = factory.SubFactory(StoreFactory)
    job_number = factory.Sequence(lambda n: f"P{n:05d}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    store = factory.SubFactory(StoreFactory)
    owner_assistant = None


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T{n:010d}")
    customer = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda o: o.customer.store)
    assistant = factory.LazyAttribute(lambda o: o.customer.owner_assistant)
    amount = "1999.00"
    payment_type = Order.PaymentType.IN_STORE
    status = Order.Status.PAID
    placed_at = factory.LazyFunction(timezone.now)
