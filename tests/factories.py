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


# --- Commerce (CUS-7..9): products, installation teams, rewards ------------------------------


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stores.Product"

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"水槽{n}")
    category = "kitchen"
    price = "1299.00"


class InstallationTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "stores.InstallationTeam"

    name = factory.Sequence(lambda n: f"安装队{n}")
    company = "好师傅安装"


class PointsRewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.PointsReward"

    name = factory.Sequence(lambda n: f"清洁套装{n}")
    kind = "goods"
    points_cost = 100
    stock = 10


# --- Profiles (CUS-1..5): tags, tag rules, follow-ups ----------------------------------------------


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Tag"
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"标签{n}")


class TagRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.TagRule"

    tag = factory.SubFactory(TagFactory)
    name = factory.Sequence(lambda n: f"规则{n}")
    conditions = factory.LazyFunction(lambda: [{"field": "intent_grade", "op": "eq", "value": "A"}])


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.FollowUp"

    customer = factory.SubFactory(CustomerFactory)
    staff = factory.LazyAttribute(lambda o: o.customer.owner_assistant)
    kind = "call"
    outcome = "reached"
